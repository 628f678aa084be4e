"""One module per source kind, each a `Source` subclass (base.py); ogi.acquire.sources.KINDS lists them."""
