"""Storage: the storage root (local or fsspec), atomic writes, the Parquet datasets and their schemas."""
