"""Hostile and unlucky files, generated at test time where large."""
