"""What the Dagster UI shows about a year: a preview table, a chart of the applications, the year at
a glance, and the applications of every published year by administrative level."""

from __future__ import annotations

import base64
import io

import dagster as dg
import pyarrow.compute as pc

from ogi.format import load_format
from ogi.store.files import filesystem
from ogi.store.parquet import count_rows, read_partition, read_table
from ogi.trends import applications_by_year, at_a_glance, published_reports


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
    png, file = _png(fig, root, f"applications_year={year}")
    encoded = base64.b64encode(png).decode()
    return {
        "applications_chart": dg.MetadataValue.md(f"![applications {year}](data:image/png;base64,{encoded})"),
        "applications_chart_file": dg.MetadataValue.path(file),
        **{f"applications_{k.split(' ', 1)[1].replace(' ', '_')}": v for k, v in sums.items()},
    }


def _png(fig, root: str, name: str) -> tuple[bytes, str]:
    """The figure as PNG bytes, also saved as <root>/charts/<name>.png; (bytes, file URL)."""
    plt = pyplot()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    fs, base = filesystem(root)
    path = f"{base.rstrip('/')}/charts/{name}.png"
    fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
    with fs.open(path, "wb") as handle:
        handle.write(buffer.getvalue())
    return buffer.getvalue(), fs.unstrip_protocol(path)


def _figures(row: dict, levels: list[str]) -> list[str]:
    """A year's sums as printed; "–" for a year in which no report gives the figure (none, not 0)."""
    return [f"{row[k]:,.0f}" if row["reporting"] else "–" for k in ("applications_received", *levels)]


def trends_metadata(root: str) -> dict[str, dg.MetadataValue]:
    """Applications received by year, in total and by the publishers' administrative level, over
    every published year: a markdown table and a stacked bar chart (charts/applications_by_year.png)."""
    problems: list[str] = []
    levels, rows = applications_by_year(published_reports(root, problems))
    left_out = "".join(f"\n\nleft out: {p}" for p in problems)
    if not any(r["documents"] for r in rows):
        return {"applications_by_year": dg.MetadataValue.md("no documents in any published year" + left_out)}
    head = ["year", "documents", "giving the figure", "applications received", *levels]
    table = "| " + " | ".join(head) + " |\n|" + "---|" * len(head) + "\n" + "\n".join(
        "| " + " | ".join([str(r["year"]), str(r["documents"]), str(r["reporting"]), *_figures(r, levels)]) + " |"
        for r in rows)
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 3), dpi=100)
    years = [f"{r['year']}\n{r['reporting']} of {r['documents']} reports" for r in rows]
    bottom = [0.0] * len(rows)
    for level in levels:
        heights = [r[level] for r in rows]
        ax.bar(years, heights, bottom=bottom, label=level)
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    ax.set_title("applications received by year, by the publisher's level")
    ax.set_ylabel("applications (sum over the reports)")
    ax.legend(fontsize="small", ncols=2)
    fig.tight_layout()
    png, file = _png(fig, root, "applications_by_year")
    encoded = base64.b64encode(png).decode()
    return {
        "applications_by_year": dg.MetadataValue.md(table + left_out),
        "applications_by_year_chart": dg.MetadataValue.md(f"![applications by year](data:image/png;base64,{encoded})"),
        "applications_by_year_chart_file": dg.MetadataValue.path(file),
    }


def glance_metadata(root: str, year: int) -> dict[str, dg.MetadataValue]:
    """The published year in a few lines (markdown) and its counts as numbers of their own. Only
    the broken violations are read as rows; the not evaluable ones (most of them) are counted."""
    documents = read_table(root, "documents", year, staging=False, columns=["publisher_id", "status"])
    broken = read_table(root, "violations", year, staging=False, columns=["rule", "severity", "status", "waived"],
                        filters=[("status", "=", "broken")])
    statuses = read_table(root, "violations", year, staging=False, columns=["status"])["status"]
    glance = {**at_a_glance(documents, broken),
              "not_evaluable": pc.sum(pc.equal(statuses, "not_evaluable")).as_py() or 0}
    if not glance["documents"]:
        return {"year_at_a_glance": dg.MetadataValue.md(f"{year}: no documents")}
    lines = [f"**{year}**: {glance['documents']} documents ({glance['documents_ok']} read), "
             f"{glance['publishers']} publishers (distinct publisher_id)",
             f"rules broken: {glance['errors_broken']} errors, {glance['warnings_broken']} warnings "
             f"({glance['broken_waived']} of them waived); {glance['not_evaluable']} not evaluable"]
    if glance["most_broken"]:
        lines.append("most broken: " + ", ".join(f"`{rule}` ({severity}) {n}"
                                                   for rule, severity, n in glance["most_broken"]))
    numbers = {"publishers_of_the_year": "publishers", "errors_broken": "errors_broken",
               "warnings_broken": "warnings_broken", "broken_waived": "broken_waived", "not_evaluable": "not_evaluable"}
    return {"year_at_a_glance": dg.MetadataValue.md("\n\n".join(lines)),
            **{key: dg.MetadataValue.int(glance[name]) for key, name in numbers.items()}}
