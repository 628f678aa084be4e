"""What the Dagster UI shows about a year: a preview table and a chart of the applications."""

from __future__ import annotations

import base64
import io

import dagster as dg

from ogi.format import load_format
from ogi.store.files import filesystem
from ogi.store.parquet import count_rows, read_partition, read_table


def preview(root: str, year: int, staging: bool, rows: int = 10) -> dg.MetadataValue:
    columns = ["publisher", "format_version", "status", "cells_with_value", "errors_broken", "warnings_broken"]
    docs = read_table(root, "documents", year, staging, columns=columns).slice(0, rows).to_pylist()
    if not docs:
        return dg.MetadataValue.md("no documents")
    head = "| " + " | ".join(docs[0]) + " |\n|" + "---|" * len(docs[0]) + "\n"
    return dg.MetadataValue.md(head + "\n".join("| " + " | ".join(str(v) for v in d.values()) + " |" for d in docs))


def application_totals(root: str, year: int) -> dict[str, float]:
    """One sum per bar of the format's `chart` (applications received, and how they were
    answered), over the year's reports; streamed: only the chart's column is looked at."""
    chart = load_format().chart
    sums = dict.fromkeys(chart.bars, 0.0)
    for rows in read_partition(root, "cells", year, staging=False, batch_size=65536,
                               columns=["table", "row", "column", "value"]):
        for cell in rows:
            if cell["table"] != chart.table or cell["column"] != chart.column or cell["value"] is None:
                continue
            for label, prefixes in chart.bars.items():
                if cell["row"].startswith(prefixes):
                    sums[label] += cell["value"]
    return sums


def pyplot():
    """matplotlib's pyplot on the file-only Agg backend (imported on first use: it is slow)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def chart_metadata(root: str, year: int) -> dict[str, dg.MetadataValue]:
    """A PNG bar chart saved under <root>/charts/ and embedded in the materialization ("no
    documents" for a year without any: an empty chart says nothing)."""
    sums = application_totals(root, year)
    if not count_rows(root, "documents", year, staging=False):
        return {"applications_chart": dg.MetadataValue.md(f"{year}: no documents")}
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 2.6), dpi=100)
    labels = [k.split(" ", 1)[1] for k in sums]
    ax.barh(labels[::-1], list(sums.values())[::-1], color=["#8da0cb"] * (len(sums) - 1) + ["#fc8d62"])
    ax.set_title(f"{year}: applications received and how they were answered")
    ax.set_xlabel("applications (sum of the total column over the year's reports)")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    fs, base = filesystem(root)
    path = f"{base.rstrip('/')}/charts/applications_year={year}.png"
    fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
    with fs.open(path, "wb") as handle:
        handle.write(buffer.getvalue())
    encoded = base64.b64encode(buffer.getvalue()).decode()
    return {
        "applications_chart": dg.MetadataValue.md(f"![applications {year}](data:image/png;base64,{encoded})"),
        "applications_chart_file": dg.MetadataValue.path(fs.unstrip_protocol(path)),
        **{f"applications_{k.split(' ', 1)[1].replace(' ', '_')}": v for k, v in sums.items()},
    }
