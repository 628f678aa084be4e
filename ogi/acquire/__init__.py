"""Stage 1, acquisition: the source registry, polite fetching, report columns crawled, the raw store."""
