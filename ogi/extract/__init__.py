"""Stage 3, extraction: the template cells and metadata of a Document, found by labels."""
