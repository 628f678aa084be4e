"""ogi: government information disclosure annual reports (政府信息公开工作年度报告) as data.

The library under the pipeline, usable without Dagster:

    import ogi
    record = ogi.read_report("report.html")                       # what `ogi extract` prints
    cells = ogi.read_dataset("cells", root="data", years=[2023])  # a pyarrow.Table

Stages: ogi.acquire (sources, fetching) -> ogi.read (any file to a Document) -> ogi.extract
(cells, metadata) -> ogi.rules; ogi.format is the report format as data; ogi.store the Parquet.
"""

__all__ = ["read_dataset", "read_report"]


def __getattr__(name: str):
    # Imported on first use: the pipeline's worker processes import ogi's stages, not the API.
    if name in __all__:
        from ogi import api

        return getattr(api, name)
    raise AttributeError(name)
