"""Word documents to blocks: paragraphs and tables in body order, merged cells kept once.

DOCX is read with python-docx after a zip-bomb check. Old binary formats (DOC, WPS, ET) are
converted to HTML by LibreOffice in headless mode when `soffice` is installed.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import tempfile
import zipfile
import zlib
from pathlib import Path

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from lxml import etree

from ogi.read.decode import UnreadableDocument
from ogi.read.document import Cell, Grid

MAX_UNZIPPED = 200 * 1024 * 1024
MAX_RATIO = 200
CONVERT_SECONDS = 120


def check_zip(data: bytes) -> None:
    """Refuse archives that would expand far beyond their size (zip bombs) or are not Word.

    The sizes in the zip directory can lie, so each member is inflated as a stream and
    counted, stopping as soon as the total passes the limit (nothing is kept)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise UnreadableDocument("broken zip archive: not a readable DOCX") from None
    if "word/document.xml" not in archive.namelist():
        raise UnreadableDocument("zip archive without word/document.xml: not a DOCX document")
    limit, total = min(MAX_UNZIPPED, MAX_RATIO * max(len(data), 1)), 0
    try:
        for info in archive.infolist():
            with archive.open(info) as member:
                while chunk := member.read(1 << 20):
                    total += len(chunk)
                    if total > limit:
                        raise UnreadableDocument(f"zip expands to over {limit / 2**20:.0f} MiB: refused as a "
                                                 "possible zip bomb")
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise UnreadableDocument(f"broken zip archive: {exc}") from None


def read_docx(data: bytes) -> tuple[list, str | None]:
    """(blocks, title) of a DOCX file."""
    check_zip(data)
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, AttributeError, etree.XMLSyntaxError,
            zipfile.BadZipFile) as exc:
        raise UnreadableDocument(f"broken DOCX: {type(exc).__name__} {exc}".strip()) from None
    blocks: list = []
    _body(document.element.body, blocks)
    title = document.core_properties.title
    return blocks, title or None


def _body(element, blocks: list) -> None:
    for child in element.iterchildren():
        if child.tag == qn("w:p"):
            text = "".join(t.text or "" for t in child.iter(qn("w:t")))
            if text.strip():
                blocks.append(text)
        elif child.tag == qn("w:tbl"):
            nested: list = []
            blocks.append(_grid(child, nested))
            blocks.extend(nested)
        elif child.tag in (qn("w:sdt"), qn("w:sdtContent")):
            _body(child, blocks)


def _grid(tbl, nested: list) -> Grid:
    """Rows of physical cells: a gridSpan cell once; a vMerge continuation as a spanned copy of
    the cell above (like an HTML rowspan). Tables inside cells follow as grids of their own."""
    rows: list[list[Cell]] = []
    above: dict[int, str] = {}
    for tr in tbl.iterchildren(qn("w:tr")):
        row, col = [], 0
        for tc in tr.iterchildren(qn("w:tc")):
            props = tc.find(qn("w:tcPr"))
            span = props.find(qn("w:gridSpan")) if props is not None else None
            merge = props.find(qn("w:vMerge")) if props is not None else None
            width = int(span.get(qn("w:val"))) if span is not None else 1
            paragraphs = ["".join(t.text or "" for t in p.iter(qn("w:t"))) for p in tc.iterchildren(qn("w:p"))]
            text = "\n".join(p for p in paragraphs if p)
            for inner in tc.iterchildren(qn("w:tbl")):
                nested.append(_grid(inner, nested))
            if merge is not None and merge.get(qn("w:val")) in (None, "continue"):
                row.append(Cell(above.get(col, ""), spanned=True))
            else:
                row.append(Cell(text))
                above[col] = text
            col += width
        rows.append(row)
    return Grid(rows)


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass  # already gone, with its children
    process.wait()


def convert_with_libreoffice(data: bytes, suffix: str) -> str:
    """HTML of a DOC/WPS/ET file, converted by `soffice --headless`; clear errors otherwise."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise UnreadableDocument(f"{suffix.upper()} file: reading it needs LibreOffice (soffice), not installed")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp, f"report.{suffix}")
        source.write_bytes(data)
        # soffice starts soffice.bin as a child of its own: in a session of their own, the
        # whole group is killed when the conversion ends early (its timeout, the document's).
        convert = subprocess.Popen([soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp}/profile",
                                    "--convert-to", "html", "--outdir", tmp, str(source)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            convert.wait(timeout=CONVERT_SECONDS)
        except subprocess.TimeoutExpired:
            raise UnreadableDocument(f"LibreOffice took longer than {CONVERT_SECONDS} s to convert it") from None
        finally:
            _kill_group(convert)
        out = Path(tmp, "report.html")
        if not out.exists():
            raise UnreadableDocument(f"LibreOffice could not convert this {suffix.upper()} file")
        return out.read_bytes().decode("utf-8", errors="replace")
