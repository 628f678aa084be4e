"""Stage 4, rules: the format's rules evaluated on one document, and reviewed waivers."""
