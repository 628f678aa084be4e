"""Hostile and unlucky input: each costs its own record with a clear error, never the batch."""

import json
import os
import subprocess
import sys

import pytest

from ogi.report import extract_report
from ogi.testing import random_report, render_html
from tests.conftest import ROOT

NOT_CHARSETS = ["base64", "rot13", "hex", "zlib", "uu", "bz2", "quopri", "punycode", "undefined"]


@pytest.mark.parametrize("label", NOT_CHARSETS)
def test_a_codec_that_is_not_a_charset_is_ignored(label):
    page = render_html(random_report(7)).replace("<head>", f'<head><meta charset="{label}">', 1)
    for record in (extract_report(page.encode("utf-8"), "report.html"),
                   extract_report(page.encode("utf-8"), "report.html", f"text/html; charset={label}")):
        assert record["error"] is None and record["format_version"] == "2021"
        assert sum(c["value"] is not None for c in record["cells"]) > 100


def test_utf8_declared_as_a_single_byte_charset_is_read_as_utf8_and_reported():
    page = render_html(random_report(8)).replace("<head>", '<head><meta charset="iso-8859-1">', 1)
    record = extract_report(page.encode("utf-8"), "report.html", "text/html; charset=ISO-8859-1")
    assert record["error"] is None and record["publisher"]
    assert any("iso8859-1" in w and "utf-8" in w for w in record["warnings"]), record["warnings"]


def test_ogi_extract_prints_valid_utf8_for_any_file_name_and_exits_0(tmp_path):
    good = tmp_path / "good.html"
    good.write_text(render_html(random_report(9)), encoding="utf-8")
    gbk_name = os.fsencode(tmp_path) + b"/" + "平潭2022年报.html".encode("gbk")
    with open(gbk_name, "wb") as handle:
        handle.write(good.read_bytes())
    bad_charset = tmp_path / "bad.html"
    bad_charset.write_text('<meta charset="base64">' + good.read_text(encoding="utf-8"), encoding="utf-8")
    env = {**os.environ, "LC_ALL": "C", "PYTHONIOENCODING": "ascii:strict"}
    run = subprocess.run([sys.executable, "-m", "orchestration.cli", "extract", os.fsdecode(gbk_name),
                          str(bad_charset), str(tmp_path / "missing.html"), str(good)],
                         cwd=ROOT, env=env, capture_output=True, check=False)
    assert run.returncode == 0, run.stderr.decode(errors="replace")
    records = [json.loads(line) for line in run.stdout.decode("utf-8").splitlines()]
    assert len(records) == 4
    assert os.fsencode(tmp_path).decode() in records[0]["source"] and "\\xc4" in records[0]["source"]
    assert records[0]["error"] is None
    assert records[1]["error"] is None and records[3]["error"] is None
    assert records[2]["error"].startswith("cannot read file")


def test_a_conversion_cut_short_leaves_no_libreoffice_behind(tmp_path, monkeypatch):
    """soffice runs soffice.bin as its own child; when the document's time is up, both go."""
    import time

    from ogi.read.decode import UnreadableDocument
    from ogi.read.limits import time_limit
    from ogi.read.word import convert_with_libreoffice

    soffice = tmp_path / "bin" / "soffice"
    soffice.parent.mkdir()
    soffice.write_text(f"#!/bin/sh\nsleep 300 &\necho $! > {tmp_path}/child.pid\nwait\n", encoding="utf-8")
    soffice.chmod(0o755)
    monkeypatch.setenv("PATH", f"{soffice.parent}:/usr/bin:/bin")
    with pytest.raises(UnreadableDocument, match="takes too long"), time_limit(1):
        convert_with_libreoffice(b"\xd0\xcf\x11\xe0" + b"\0" * 600, "doc")
    child = int((tmp_path / "child.pid").read_text())
    for _ in range(50):
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    pytest.fail("the converter's child process outlived the conversion")


def test_a_document_over_the_memory_ceiling_costs_its_own_record():
    """Workers read under RLIMIT_AS: a document that needs more fails alone, the batch goes on."""
    from ogi.parallel import map_batches, pool
    from ogi.steps import TOO_BIG, normalize_row

    good = render_html(random_report(11)).encode("utf-8")
    huge = ("<html><body><table>" + "<tr><td>行政许可</td><td>1</td></tr>" * 400_000 + "</table></body></html>").encode()
    items = [("huge", huge, "huge.html", None), ("good", good, "good.html", None)]
    with pool(2, memory_mib=400) as executor:
        rows = [r for batch in map_batches(executor, normalize_row, items) for r in batch]
    assert rows[0]["error"] == TOO_BIG
    assert rows[1]["error"] is None and rows[1]["document"]
