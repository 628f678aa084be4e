"""The Dagster code location: `dagster dev -m orchestration.definitions` (or workspace.yaml) loads `defs`."""

from orchestration.build import build_defs

defs = build_defs()
