"""Great Expectations suites generated from the report format, and the publication gate."""

# The gate's checks: one per table of rules, one for document metadata and schema.
CHECKS = {"t2_rules": "t2", "t3_rules": "t3", "t4_rules": "t4", "text_rules": "text",
          "cross_year_rules": "cross_year", "document_metadata": None}
