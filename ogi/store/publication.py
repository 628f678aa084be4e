"""A year's publication as one transaction: its datasets change together or not at all.

Readers list `<dataset>/year=YYYY/part-0.parquet` with plain paths, so the new files cannot sit
beside the old ones. Instead:

1. each staged file is copied beside its final name as a hidden `.part-0.parquet.<tx>.pending`
   (pyarrow, pandas and DuckDB globs skip names that start with a dot);
2. a journal `_publication/year=YYYY.json` naming every move is written in one atomic step:
   this is the commit point;
3. the pending files are moved over the published ones; 4. the journal is removed.

A publication that dies before 2 left only hidden files, removed by `recover`; one that dies
after 2 is finished by `recover` (roll forward), which every publication and every run of the
year calls first. Works the same on a local disk and on object storage (moves of single files).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable

import pyarrow.parquet as pq

from ogi.store.files import filesystem, replacing
from ogi.store.verdict import NotApproved, digest

Step = Callable[[str], None]


def _journal(base: str, year: int | str) -> str:
    return f"{base.rstrip('/')}/_publication/year={year}.json"


def _final(base: str, dataset: str, year: int | str) -> str:
    return f"{base.rstrip('/')}/{dataset}/year={year}/part-0.parquet"


def _staged(base: str, dataset: str, year: int | str) -> str:
    return f"{base.rstrip('/')}/staging/{dataset}/year={year}/part-0.parquet"


def publish_year(root: str, year: int | str, datasets: Iterable[str], approved: str, step: Step = lambda _: None
                 ) -> dict[str, int]:
    """Replace the year's published datasets by its staged ones, all or nothing; row counts.

    `approved` is the digest of the staging the gate passed: the copies are published only if
    they are exactly that. `step(name)` is called between the phases (tests stop it anywhere)."""
    datasets = list(datasets)
    fs, base = filesystem(root)
    recover(root, year)
    tx = uuid.uuid4().hex
    moves = [(f"{final.rsplit('/', 1)[0]}/.part-0.parquet.{tx}.pending", final)
             for final in (_final(base, d, year) for d in datasets)]
    try:
        for dataset, (pending, _) in zip(datasets, moves, strict=True):
            fs.makedirs(pending.rsplit("/", 1)[0], exist_ok=True)
            fs.copy(_staged(base, dataset, year), pending)
            step(f"copied {dataset}")
        if digest(fs, [pending for pending, _ in moves]) != approved:
            raise NotApproved(f"year {year}: the staging changed after the gate passed it; re-run the checks")
    except BaseException:
        for pending, _ in moves:
            if fs.exists(pending):
                fs.rm(pending)
        raise
    with replacing(fs, _journal(base, year)) as temp, fs.open(temp, "w") as handle:
        json.dump({"tx": tx, "moves": moves}, handle)
    step("committed")
    _roll_forward(fs, base, year, moves, step)
    counts = {}
    for dataset in datasets:
        with fs.open(_final(base, dataset, year), "rb") as handle:
            counts[dataset] = pq.ParquetFile(handle).metadata.num_rows
    return counts


def _roll_forward(fs, base: str, year: int | str, moves: list, step: Step = lambda _: None) -> None:
    for pending, final in moves:
        if fs.exists(pending):
            fs.mv(pending, final)
        step(f"moved {final.rsplit('/', 3)[-3]}")
    fs.rm(_journal(base, year))


def recover(root: str, year: int | str) -> str | None:
    """Finish a committed publication of the year, or discard an uncommitted one; say which."""
    fs, base = filesystem(root)
    journal = _journal(base, year)
    done = None
    if fs.exists(journal):
        with fs.open(journal, "r") as handle:
            moves = json.load(handle)["moves"]
        _roll_forward(fs, base, year, moves)
        done = "rolled forward an interrupted publication"
    for leftover in fs.glob(f"{base.rstrip('/')}/*/year={year}/.part-0.parquet.*.pending"):
        fs.rm(leftover)
        done = done or "removed an uncommitted publication"
    return done
