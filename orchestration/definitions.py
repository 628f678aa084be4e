from orchestration.build import build_defs

defs = build_defs()
