"""Stage 2, reading: any file (HTML, text, PDF, Word, scans) decoded and normalized into a Document."""
