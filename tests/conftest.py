"""Shared helpers: where the shared corpus lives, how to read a record as tables and as the gate's
frames, and the 2031 test format."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "corpus" / "seeds"
REAL = SHARED / "corpus" / "real"
FIXTURES = ROOT / "tests" / "fixtures"
SHIPPED_FORMAT = ROOT / "ogi" / "format" / "templates.yaml"
T3_COLUMNS = ("natural_person", "commercial_enterprise", "research_institution", "public_interest_org",
              "legal_service_org", "other_org", "total")


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


def cells_by_key(record: dict) -> dict:
    """{(table, row, column): cell} of a record."""
    return {(c["table"], c["row"], c["column"]): c for c in record["cells"]}


def cell_values(record: dict) -> dict:
    """{(table, row, column): value} of a record."""
    return {(c["table"], c["row"], c["column"]): c["value"] for c in record["cells"]}


def record_with_sections(data: bytes, name: str) -> dict:
    """The record with the section texts the pipeline stores beside it (`_sections`, for the gate)."""
    from ogi.report import extract_report, extract_stage, normalize_stage

    record = extract_report(data, name)
    doc, _ = normalize_stage(data, name)
    record["_sections"] = extract_stage(doc).sections
    return record


def gate_frames(records: list[dict]):
    """(cells, extracted) as the gate's residuals read them, from records (their `_sections` when
    they have them, else none)."""
    import json

    import pandas as pd

    cells = pd.DataFrame([{"doc_id": r["doc_id"], **c} for r in records for c in r["cells"]])
    extracted = pd.DataFrame([{"doc_id": r["doc_id"], "format_version": r["format_version"],
                               "sections": json.dumps(r.get("_sections", {}))} for r in records])
    return cells.astype({"value": "float64"}), extracted


@pytest.fixture(scope="session")
def shared_corpus() -> Path:
    if not SEEDS.is_dir():
        pytest.fail(f"shared corpus not found at {SHARED}: tests read ../shared beside the repository")
    return SHARED


PUBLIC_HOST = "93.184.216.34"


def loopback_only(test):
    """Run the test inside a network namespace that has only loopback (`unshare -n`), so that
    no packet of a test naming public addresses can leave the machine; the test is re-run there
    by pytest and its outcome is this test's. Inside, PUBLIC_HOST (a public address) is also on
    loopback, so a test can serve a "public" site that the address guard lets through."""
    import functools
    import os
    import subprocess
    import sys

    @functools.wraps(test)
    def wrapper(*args, **kwargs):
        if os.environ.get("OGI_LOOPBACK_ONLY") == "1":
            return test(*args, **kwargs)
        node = os.environ["PYTEST_CURRENT_TEST"].rsplit(" ", 1)[0]
        inner = subprocess.run(
            ["unshare", "-n", "sh", "-c", f'ip link set lo up && ip addr add {PUBLIC_HOST}/32 dev lo && exec "$@"', "sh", sys.executable, "-m", "pytest",
             "-q", "-p", "no:cacheprovider", "-p", "no:cov", node],
            cwd=ROOT, env={**os.environ, "OGI_LOOPBACK_ONLY": "1"}, capture_output=True, text=True, check=False)
        assert inner.returncode == 0, f"inside the loopback-only namespace:\n{inner.stdout[-3000:]}{inner.stderr[-2000:]}"

    return wrapper


def folder_settings(tmp_path: Path, folder: Path):
    """Settings of a pipeline whose one source is `folder`, storing under tmp_path/data, no
    waivers, one worker."""
    from assets.settings import OgiSettings

    registry = tmp_path / "sources.yaml"
    registry.write_text(f"sources:\n  - {{name: s, kind: files, path: {folder}}}\n", encoding="utf-8")
    return OgiSettings(storage_root=str(tmp_path / "data"), sources=str(registry),
                       waivers=str(tmp_path / "none.yaml"), workers=1)


def _merged(base, extra):
    """Mappings merged key by key, lists extended, anything else replaced."""
    if isinstance(base, dict) and isinstance(extra, dict):
        return {**base, **{k: _merged(base[k], v) if k in base else v for k, v in extra.items()}}
    if isinstance(base, list) and isinstance(extra, list):
        return base + extra
    return extra


def format_2031_file(tmp_path: Path) -> Path:
    """The shipped format with the fictitious 2031 template of fixtures/format_2031.yaml added."""
    import yaml

    spec = _merged(yaml.safe_load(SHIPPED_FORMAT.read_text(encoding="utf-8")),
                   yaml.safe_load((FIXTURES / "format_2031.yaml").read_text(encoding="utf-8")))
    path = tmp_path / "templates.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def format_2031(tmp_path):
    """Within the test, the format in use is format_2031_file's."""
    from ogi.format import use_format

    with use_format(format_2031_file(tmp_path)) as fmt:
        yield fmt


@pytest.fixture
def no_time_limit(monkeypatch):
    """OCR's time budget and the document's time limit lifted: reading is measured, on a machine
    that may be busy; the limits have their own tests."""
    import contextlib

    from ogi.read import ocr

    monkeypatch.setattr(ocr, "BUDGET", float("inf"))
    monkeypatch.setattr("ogi.report.time_limit", contextlib.nullcontext)
