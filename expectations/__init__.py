"""Great Expectations suites generated from the report format, and the publication gate."""

from ogi.format import load_format

# The gate's checks: one per table of rules, one for document metadata and schema.
CHECKS = {**{f"{table}_rules": table for table in load_format().layouts}, "text_rules": "text",
          "cross_year_rules": "cross_year", "document_metadata": None}
