"""Shared helpers: where the shared corpus lives and how to read a record as tables."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "corpus" / "seeds"
REAL = SHARED / "corpus" / "real"


def rows(record: dict) -> dict:
    """{table: {row: [values]}} with t4 as a plain list, from a record's cells."""
    out: dict = {}
    for c in record["cells"]:
        out.setdefault(c["table"], {}).setdefault(c["row"], []).append(c["value"])
    if "t4" in out:
        out["t4"] = out["t4"]["cases"]
    return out


def cell(record: dict, table: str, row: str, column: str) -> dict:
    return next(c for c in record["cells"] if (c["table"], c["row"], c["column"]) == (table, row, column))


@pytest.fixture(scope="session")
def shared_corpus() -> Path:
    if not SEEDS.is_dir():
        pytest.fail(f"shared corpus not found at {SHARED}: tests read ../shared beside the repository")
    return SHARED
