"""Dagster wiring: the Definitions, jobs, schedules, resource values, and the `ogi` command line."""
