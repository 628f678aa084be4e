"""A year's four datasets change together or not at all, and only as the gate approved them."""

import subprocess
import sys

import pyarrow.dataset as pads
import pytest

from ogi.store.parquet import PUBLISHED, write_partition
from ogi.store.publication import publish_year, recover
from ogi.store.verdict import NotApproved, approved_digest, staging_digest, write_verdict
from tests.conftest import ROOT

STEPS = ["copied documents", "copied cells", "copied violations", "copied reports", "committed",
         "moved documents", "moved cells", "moved violations", "moved reports"]


def _stage(root: str, generation: str, n: int = 50) -> str:
    """Stage a year whose every row names its generation; approve it; return its digest."""
    ids = [f"{generation}-{i}" for i in range(n)]
    rows = {
        "documents": [{"doc_id": d, "publisher": generation, "status": "ok"} for d in ids],
        "cells": [{"doc_id": d, "table": "t3", "row": "granted", "column": "total", "value": 1.0} for d in ids],
        "violations": [{"doc_id": d, "rule": "t3_balance", "status": "broken"} for d in ids],
        "reports": [{"doc_id": d, "publisher": generation, "granted": 1.0} for d in ids],
    }
    for dataset in PUBLISHED:
        with write_partition(root, dataset, 2020) as append:
            append(rows[dataset])
    digest = staging_digest(root, 2020, PUBLISHED)
    write_verdict(root, 2020, digest, passed=True, failed=[])
    return digest


def _visible(root) -> dict[str, set[str]]:
    """The generations a plain-path reader sees in each dataset."""
    return {d: {i.split("-")[0] for i in pads.dataset(f"{root}/{d}", partitioning="hive").to_table()
                .column("doc_id").to_pylist()} for d in PUBLISHED}


def _leftovers(root) -> list[str]:
    files = (str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    return sorted(f for f in files if f.endswith(".pending") or f.startswith("_publication/"))


@pytest.fixture
def published_old(tmp_path):
    publish_year(str(tmp_path), 2020, PUBLISHED, _stage(str(tmp_path), "old"))
    assert _visible(tmp_path) == dict.fromkeys(PUBLISHED, {"old"})
    return tmp_path


@pytest.mark.parametrize("step", STEPS)
def test_a_publication_killed_at_any_step_is_all_old_or_all_new(published_old, step):
    root = published_old
    approved = _stage(str(root), "new")
    script = ("import os, sys; from ogi.store.publication import publish_year; from ogi.store.parquet import PUBLISHED;"
              "publish_year(sys.argv[1], 2020, PUBLISHED, sys.argv[2], "
              "step=lambda s: os._exit(9) if s == sys.argv[3] else None)")
    killed = subprocess.run([sys.executable, "-c", script, str(root), approved, step], cwd=ROOT, check=False)
    assert killed.returncode == 9  # died at that step, like a kill -9: no cleanup ran
    for dataset, seen in _visible(root).items():
        assert len(seen) == 1, f"{dataset} mixes generations after a kill at {step!r}"
    recover(str(root), 2020)  # what the next run of the year does first
    expected = "old" if STEPS.index(step) < STEPS.index("committed") else "new"
    assert _visible(root) == dict.fromkeys(PUBLISHED, {expected})
    assert _leftovers(root) == []


def test_a_full_disk_during_publication_leaves_the_old_year_and_no_temporaries(published_old):
    root = published_old
    approved = _stage(str(root), "new", n=20000)  # files large enough to cross the limit below
    size = sum(p.stat().st_size for p in (root / "documents").rglob("part-0.parquet"))
    script = ("import resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN);"
              f"resource.setrlimit(resource.RLIMIT_FSIZE, ({max(size, 4096)}, {max(size, 4096)}));"
              "from ogi.store.publication import publish_year; from ogi.store.parquet import PUBLISHED;"
              "publish_year(sys.argv[1], 2020, PUBLISHED, sys.argv[2])")
    full = subprocess.run([sys.executable, "-c", script, str(root), approved], cwd=ROOT, check=False,
                          capture_output=True, text=True)
    assert full.returncode != 0 and "File too large" in full.stderr
    assert _visible(root) == dict.fromkeys(PUBLISHED, {"old"})
    assert _leftovers(root) == []


def test_only_the_staging_the_gate_passed_is_published(tmp_path):
    root = str(tmp_path)
    with pytest.raises(NotApproved, match="has not checked"):
        approved_digest(root, 2020)
    _stage(root, "held")
    write_verdict(root, 2020, staging_digest(root, 2020, PUBLISHED), passed=False, failed=["t3_balance"])
    with pytest.raises(NotApproved, match="held this staging back.*t3_balance"):
        approved_digest(root, 2020)
    approved = _stage(root, "good")
    with write_partition(root, "cells", 2020) as append:  # the staging changes after the gate passed it
        append([{"doc_id": "other-1", "table": "t3", "row": "granted", "column": "total", "value": 2.0}])
    with pytest.raises(NotApproved, match="changed after the gate"):
        publish_year(root, 2020, PUBLISHED, approved)
    assert list(tmp_path.glob("*/year=2020/part-0.parquet")) == []  # nothing published
    assert _leftovers(tmp_path) == []
