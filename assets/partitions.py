"""One partition per report year, 2008 to the last complete year."""

import dagster as dg

FIRST_YEAR = "2008"

# No yearly class in Dagster: a time window with a yearly cron. The last key is the last year
# that has ended, so the current year never shows up before its reports can exist.
report_years = dg.TimeWindowPartitionsDefinition(start=FIRST_YEAR, fmt="%Y", cron_schedule="0 0 1 1 *")
