"""Bad input gets a clear error, its own output line and no traceback; the run goes on."""

import json
import random
import subprocess
import sys

import pytest

from ogi.report import extract_report
from ogi.testing import random_report, render_html


def _error(data: bytes, name: str = "f.html") -> str:
    record = extract_report(data, name)
    assert record["cells"] is None and record["violations"] is None and record["publisher"] is None
    assert record["doc_id"] and record["source"] == name
    return record["error"]


def test_empty_file():
    assert _error(b"") == "empty file"
    assert _error(b"  \n\t") == "empty file"


def test_binary_noise():
    noise = random.Random(0).randbytes(20_000)
    assert "binary" in _error(noise, "noise.bin")


def test_truncated_html():
    page = render_html(random_report(1, "2021")).encode()
    cut = page[: page.index("三、本年度".encode()) + 200]
    assert "truncated HTML" in _error(cut)


def test_page_with_no_report():
    page = "<html><head><title>首页</title></head><body><ul class='nav'><li>政务公开</li></ul>" \
           "<p>欢迎访问本网站。</p></body></html>"
    assert "no annual report found" in _error(page.encode("utf-8"))


def test_fifty_megabyte_file():
    assert "over the 20 MiB limit" in _error(b"<html>" + b"a" * (50 * 1024 * 1024) + b"</html>")


def test_mislabelled_encoding_is_recovered_and_reported():
    """Declared UTF-8, sent as GBK: decoded as GB18030, the record says so."""
    report = random_report(2, "2019")
    page = render_html(report, chrome=False).encode("gbk")
    record = extract_report(page, "wrong.html")
    assert record["error"] is None and record["publisher"] == report.publisher
    assert record["warnings"] == ["declared charset utf-8 is wrong; decoded as gb18030"]


def test_undecodable_bytes_under_a_label():
    junk = bytes(random.Random(1).randrange(0x80, 0x100) for _ in range(5000))
    error = _error(b'<html><meta charset="utf-8"><body>' + junk + b"</body></html>")
    assert error.startswith(("undecodable bytes", "no annual report found"))


@pytest.mark.parametrize("data,reason", [
    (b"%PDF-1.7\n...", "broken PDF"),
    (b"PK\x03\x04....", "broken zip archive: not a readable DOCX"),
])
def test_damaged_binary_formats_say_so(data, reason):
    assert _error(data, "x.bin").startswith(reason)


def test_cli_carries_on_after_bad_files(tmp_path):
    good = tmp_path / "good.html"
    good.write_bytes(render_html(random_report(3, "2021")).encode())
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    noise = tmp_path / "noise.bin"
    noise.write_bytes(random.Random(2).randbytes(4096))
    files = [str(empty), str(tmp_path / "missing.html"), str(noise), str(good)]
    out = subprocess.run([sys.executable, "-m", "orchestration.cli", "extract", *files], capture_output=True, text=True, check=False)
    assert out.returncode == 0
    assert out.stderr == ""
    records = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["source"] for r in records] == files
    assert [r["error"] is None for r in records] == [False, False, False, True]
    assert records[1]["error"].startswith("cannot read file")


def test_cli_misuse_exits_non_zero():
    out = subprocess.run([sys.executable, "-m", "orchestration.cli", "extract"], capture_output=True, text=True, check=False)
    assert out.returncode == 2
