"""Synthetic annual reports in the official layouts, with known values.

Used by the tests (each layout and variant, checked cell by cell) and the benchmarks (1,000
reports). Values are random but add up the way the template says they should.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from html import escape

from ogi.format import load_format

_FULLWIDTH = str.maketrans("0123456789.-", "０１２３４５６７８９．－")


@dataclass
class Report:
    version: str
    publisher: str
    year: int
    published: str
    values: dict[tuple[str, str, str], float | None] = field(default_factory=dict)

    def row(self, table: str, row: str) -> list[float | None]:
        cols = load_format().versions[self.version].tables[table].rows[row].cells
        return [self.values[(table, row, c)] for c in cols]


def random_report(seed: int, version: str = "2021", year: int | None = None) -> Report:
    rng = random.Random(seed)
    fmt = load_format().versions[version]
    year = year or (2023 if version == "2021" else 2020)
    values = {**_t2_values(rng, fmt.tables["t2"]), **_t3_values(rng, fmt.tables["t3"]),
              **_t4_values(rng, fmt.tables["t4"])}
    name = rng.choice(["宿松县", "铜鼓县", "永康市", "滁州市南谯区", "师宗县", "平潭县"])
    agency = rng.choice(["人民政府", "人民政府办公室", "发展和改革局", "教育局", "财政局"])
    return Report(version, name + agency, year, f"{year + 1}-01-{rng.randint(10, 28):02d}", values)

def _t2_values(rng: random.Random, t2) -> dict:
    values = {}
    for row in t2.rows.values():
        for col in row.cells:
            vt = t2.columns[col].type
            if vt == "signed_count":
                values[("t2", row.code, col)] = float(rng.randint(-20, 40))
            elif vt.startswith("amount"):
                values[("t2", row.code, col)] = round(rng.uniform(0, 5000), 2)
            else:
                values[("t2", row.code, col)] = float(rng.randint(0, 3000))
    return values


def _t3_values(rng: random.Random, t3) -> dict:
    """Applicant rows that obey every t3 rule: row totals, results total and the 勾稽关系."""
    leaves = list(t3.result_leaf_rows)

    def split(total: int) -> list[float]:
        parts = [0] * 6
        for _ in range(total):
            parts[rng.choice((0, 0, 0, 0, 1, 5))] += 1
        return [float(p) for p in parts] + [float(total)]

    new, carried = rng.randint(0, 120), rng.randint(0, 10)
    rows = {"new_received": split(new), "carried_over": split(carried)}
    pool = [a + b for a, b in zip(rows["new_received"][:6], rows["carried_over"][:6], strict=True)]
    forward = [float(rng.randint(0, int(p) // 4)) if p else 0.0 for p in pool]
    rows["carried_forward"] = forward + [sum(forward)]
    remaining = [p - f for p, f in zip(pool, forward, strict=True)]
    leaf_values = {leaf: [0.0] * 6 for leaf in leaves}
    for c, n in enumerate(remaining):
        for _ in range(int(n)):
            leaf_values[rng.choice(leaves[:3] + leaves)][c] += 1
    for leaf in leaves:
        rows[leaf] = leaf_values[leaf] + [sum(leaf_values[leaf])]
    rows["results_total"] = [float(sum(leaf_values[leaf][c] for leaf in leaves)) for c in range(6)]
    rows["results_total"].append(sum(rows["results_total"]))
    return {("t3", row, col): v for row, vals in rows.items()
            for col, v in zip(t3.rows[row].cells, vals, strict=True)}


def _t4_values(rng: random.Random, t4) -> dict:
    counts = [float(rng.randint(0, 5)) for _ in range(12)]
    groups = [counts[0:4], counts[4:8], counts[8:12]]
    flat = [v for g in groups for v in (*g, sum(g))]
    return {("t4", "cases", col): v for col, v in zip(t4.rows["cases"].cells, flat, strict=True)}



def _fmt(v: float | None) -> str:
    if v is None:
        return ""
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def _t2_blocks(report: Report):
    """(block label, header labels, [(row label, [values])]) in template order."""
    fmt = load_format().versions[report.version]
    t2 = fmt.tables["t2"]
    blocks: dict[str, list] = {}
    for row in t2.rows.values():
        blocks.setdefault(row.label and _block_of(report.version, row.code), []).append(row)
    out = []
    for block, rows in blocks.items():
        headers = [t2.columns[c].label for c in rows[0].cells]
        out.append((block, headers, [(r.label, report.row("t2", r.code)) for r in rows]))
    return out


def _block_of(version: str, row: str) -> str:
    return {
        "regulations": "第二十条第（一）项", "normative_documents": "第二十条第（一）项",
        "admin_licensing": "第二十条第（五）项", "other_external_services": "第二十条第（五）项",
        "admin_penalty": "第二十条第（六）项", "admin_coercion": "第二十条第（六）项",
        "admin_fees": "第二十条第（八）项", "central_procurement": "第二十条第（九）项",
    }[row]


def _t3_rows(report: Report):
    """(label cells before the values, row code or None) for each t3 line, template nesting."""
    t3 = load_format().versions[report.version].tables["t3"]
    out = []
    for row in t3.rows.values():
        out.append((row.label, row.code, row.group))
    return out


HEADER_T3 = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
HEADER_T4 = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
CORNER = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"


def render_html(report: Report, chrome: bool = True) -> str:
    """A government CMS page: navigation and scripts around the article, tables with spans."""
    t = []
    for block, headers, rows in _t2_blocks(report):
        span = 3 // len(headers)
        t.append(f'<tr><td colspan="4">{block}</td></tr>')
        t.append("<tr><td>信息内容</td>" + "".join(
            f'<td colspan="{span}">{h.replace("本年新", "本年新<br/>")}</td>' for h in headers) + "</tr>")
        for label, vals in rows:
            t.append(f"<tr><td>{label}</td>" + "".join(
                f'<td colspan="{span}">{_fmt(v) or "&nbsp;"}</td>' for v in vals) + "</tr>")
    t2 = '<table border="1"><tbody>' + "".join(t) + "</tbody></table>"
    rows3 = [
        f'<tr><td colspan="3" rowspan="3">{CORNER}</td><td colspan="7">申请人情况</td></tr>',
        '<tr><td rowspan="2">自然人</td><td colspan="5">法人或其他组织</td><td rowspan="2">总计</td></tr>',
        "<tr>" + "".join(f"<td>{h}</td>" for h in HEADER_T3[1:6]) + "</tr>",
    ]
    fmt3 = load_format().versions[report.version].tables["t3"]
    results_span = 1 + sum(1 for r in fmt3.rows.values() if r.cells and r.code not in
                           ("new_received", "carried_over", "carried_forward"))
    groups = {"denied": 8, "unable": 3, "not_processed": 5, "other_handling": 3}
    pending_group = None
    first_result = True
    for row in fmt3.rows.values():
        if row.code == "results" or (row.group and row.code in groups):
            if row.code != "results":
                pending_group = (row.label, groups[row.code])
            continue
        cells = ""
        if row.code in ("new_received", "carried_over", "carried_forward"):
            cells = f'<td colspan="3">{row.label}</td>'
        else:
            if first_result:
                cells += f'<td rowspan="{results_span}">三、本年度<br>办理结果</td>'
                first_result = False
            if pending_group:
                cells += f'<td rowspan="{pending_group[1]}">{pending_group[0]}</td><td>{row.label}</td>'
                pending_group = None
            elif row.label.startswith(("1.", "2.", "3.", "4.", "5.", "6.", "7.", "8.")):
                cells += f"<td>{row.label}</td>"
            else:
                cells += f'<td colspan="2">{row.label}</td>'
        vals = report.row("t3", row.code)
        rows3.append("<tr>" + cells + "".join(f"<td>{_fmt(v) or '&nbsp;'}</td>" for v in vals) + "</tr>")
    t3 = '<table border="1"><tbody>' + "".join(rows3) + "</tbody></table>"
    t4_vals = report.row("t4", "cases")
    t4 = (
        '<table border="1"><tbody><tr><td colspan="5">行政复议</td><td colspan="10">行政诉讼</td></tr>'
        + "<tr>" + "".join(f'<td rowspan="2">{h}</td>' for h in HEADER_T4)
        + '<td colspan="5">未经复议直接起诉</td><td colspan="5">复议后起诉</td></tr>'
        + "<tr>" + "".join(f"<td>{h}</td>" for h in HEADER_T4 * 2) + "</tr>"
        + "<tr>" + "".join(f"<td>{_fmt(v)}</td>" for v in t4_vals) + "</tr></tbody></table>"
    )
    title = f"{report.publisher}{report.year}年政府信息公开工作年度报告"
    fee = f"{report.year}年，无收取信息处理费情况。" if report.version == "2021" else "无。"
    article = (
        f"<h1>{escape(title)}</h1><p>发布时间：{report.published}</p>"
        f"<p>一、总体情况</p><p>{report.year}年，本机关认真贯彻落实《条例》，推进政务公开。</p>"
        f"<p>二、主动公开政府信息情况</p>{t2}<p>三、收到和处理政府信息公开申请情况</p>{t3}"
        f"<p>四、政府信息公开行政复议、行政诉讼情况</p>{t4}"
        f"<p>五、存在的主要问题及改进情况</p><p>公开深度有待提升。</p>"
        f"<p>六、其他需要报告的事项</p><p>{fee}</p>"
    )
    if not chrome:
        return f"<html><head><meta charset=\"utf-8\"><title>{escape(title)}</title></head><body>{article}</body></html>"
    nav = "".join(f'<li><a href="/c{i}">栏目{i} 2019年度报告</a></li>' for i in range(30))
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f'<meta name="ArticleTitle" content="{escape(title)}"><meta name="PubDate" content="{report.published} 09:30">'
        f"<title>{escape(title)}_政府信息公开年报</title><script>var x = '<table>';</script>"
        "<style>td{border:1px solid}</style></head><body>"
        f'<div class="header"><ul class="nav">{nav}</ul></div>'
        f'<div class="breadcrumb">当前位置：首页 &gt; 政务公开 &gt; 年报</div>'
        f'<table class="layout"><tr><td class="side">相关链接</td><td><div class="article">{article}</div></td></tr></table>'
        '<div class="share">分享到：微信 微博</div><div class="footer">版权所有 主办单位 网站标识码</div>'
        "</body></html>"
    )


def render_text(report: Report, layout: str = "lines", traditional: bool = False, fullwidth: bool = False) -> str:
    """Text captures: `lines` (one cell per line), `pipe` (| rows), `tabs`, `flattened`."""
    sep = {"lines": "\n", "tabs": "\n\t", "pipe": " | ", "flattened": ""}[layout]
    out = [f"{report.publisher}{report.year}年政府信息公开工作年度报告", f"发布时间:{report.published}",
           "一、总体情况", f"{report.year}年,本机关认真贯彻落实《条例》。", "二、主动公开政府信息情况"]

    def line(cells: list[str]) -> str:
        cells = [c for c in cells if c != ""] if layout != "pipe" else cells
        return ("| " + sep.join(cells) + " |") if layout == "pipe" else sep.join(cells)

    for block, headers, rows in _t2_blocks(report):
        out.append(line([block]))
        out.append(line(["信息内容", *headers]))
        out.extend(line([label, *map(_fmt, vals)]) for label, vals in rows)
    out += ["三、收到和处理政府信息公开申请情况", line([CORNER, "申请人情况"]),
            line(["自然人", "法人或其他组织", "总计"]), line(HEADER_T3[1:6])]
    for label, code, group in _t3_rows(report):
        out.append(line([label]) if group else line([label, *map(_fmt, report.row("t3", code))]))
    out += ["四、政府信息公开行政复议、行政诉讼情况", line(["行政复议", "行政诉讼"]),
            line([*HEADER_T4, "未经复议直接起诉", "复议后起诉"]), line(HEADER_T4 * 2),
            line(list(map(_fmt, report.row("t4", "cases")))), "五、存在的主要问题及改进情况", "公开深度有待提升。",
            "六、其他需要报告的事项", f"{report.year}年,无收取信息处理费情况。" if report.version == "2021" else "无。"]
    text = "\n".join(out) if layout != "flattened" else out[0] + "\n" + "".join(out[1:])
    if traditional:
        import opencc

        text = opencc.OpenCC("s2t").convert(text).replace("數據", "數(shù)據(jù)")
    if fullwidth:
        text = text.translate(_FULLWIDTH)
    return text


def _t2_matrix(report: Report) -> tuple[list[list[str]], list[tuple]]:
    """The t2 grid (4 columns, a title row per block) and its spans."""
    rows, spans = [], []
    for block, headers, lines in _t2_blocks(report):
        spans.append(((0, len(rows)), (3, len(rows))))
        rows.append([block, "", "", ""])
        rows.append(["信息内容", *headers, *[""] * (3 - len(headers))])
        rows.extend([label, *map(_fmt, vals), *[""] * (3 - len(vals))] for label, vals in lines)
    return rows, spans


def _t4_matrix(report: Report) -> tuple[list[list[str]], list[tuple]]:
    """The t4 grid (15 columns, three header rows) and its spans."""
    rows = [["行政复议", "", "", "", "", "行政诉讼", *[""] * 9],
            [*HEADER_T4, "未经复议直接起诉", "", "", "", "", "复议后起诉", "", "", "", ""],
            ["", "", "", "", "", *HEADER_T4, *HEADER_T4], list(map(_fmt, report.row("t4", "cases")))]
    spans = [((0, 0), (4, 0)), ((5, 0), (14, 0)), ((5, 1), (9, 1)), ((10, 1), (14, 1))]
    return rows, spans + [((i, 1), (i, 2)) for i in range(5)]


def _t3_matrix(report: Report, vertical: bool) -> tuple[list[list[str]], list[tuple]]:
    """The t3 grid as the template lays it out (10 columns) and its spans."""
    fmt3 = load_format().versions[report.version].tables["t3"]
    rows = [[CORNER, "", "", "申请人情况", "", "", "", "", "", ""],
            ["", "", "", "自然人", "法人或其他组织", "", "", "", "", "总计"],
            ["", "", "", "", *HEADER_T3[1:6], ""]]
    spans = [((0, 0), (2, 2)), ((3, 0), (9, 0)), ((3, 1), (3, 2)), ((4, 1), (8, 1)), ((9, 1), (9, 2))]
    results = "三、本年度办理结果"
    group, first_result = None, None
    for row in fmt3.rows.values():
        if row.group:
            group = None if row.code == "results" else (row.label, len(rows))
            continue
        vals = [_fmt(v) for v in report.row("t3", row.code)]
        i = len(rows)
        if row.code in ("new_received", "carried_over", "carried_forward"):
            rows.append([row.label, "", "", *vals])
            spans.append(((0, i), (2, i)))
            continue
        first_result = i if first_result is None else first_result
        if row.label.startswith(("1.", "2.", "3.", "4.", "5.", "6.", "7.", "8.")) and group:
            rows.append(["", group[0] if group[1] == i else "", row.label, *vals])
        else:
            rows.append(["", row.label, "", *vals])
            spans.append(((1, i), (2, i)))
            group = None
    last_result = len(rows) - 2
    rows[first_result][0] = "\n".join(results) if vertical else results
    spans.append(((0, first_result), (0, last_result)))
    return rows, spans


def render_pdf(report: Report, vertical: bool = True, fullwidth: bool = False, scanned: bool = False,
               password: str | None = None, ruled: bool = True) -> bytes:
    """A PDF with a text layer (reportlab, CJK CID font), t3 breaking over two pages with its
    header rows repeated; `scanned` draws the page as an image with no text at all; `ruled`
    False draws the tables without lines."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    if scanned:
        from reportlab.pdfgen import canvas

        page = canvas.Canvas(buffer, pagesize=A4)
        page.setFillGray(0.85)
        page.rect(60, 400, 470, 300, fill=1)  # a grey block standing for a scanned table
        page.showPage()
        page.save()
        return buffer.getvalue()
    text = ParagraphStyle("body", fontName="STSong-Light", fontSize=10, leading=14)
    width = str.maketrans("0123456789", "０１２３４５６７８９") if fullwidth else None

    def cell(value: str) -> str:
        return value.translate(width) if width else value

    def table(rows, spans, repeat=0):
        t = Table([[cell(c) for c in r] for r in rows], repeatRows=repeat)
        style = [("FONT", (0, 0), (-1, -1), "STSong-Light", 7), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
        style += [("GRID", (0, 0), (-1, -1), 0.5, "black")] if ruled else []
        style += [("SPAN", a, b) for a, b in spans]
        t.setStyle(TableStyle(style))
        return t

    story = [Paragraph(f"{report.publisher}{report.year}年政府信息公开工作年度报告", text),
             Paragraph("一、总体情况", text), Paragraph(f"{report.year}年，本机关推进政务公开。", text),
             Paragraph("二、主动公开政府信息情况", text)]
    story += [table(*_t2_matrix(report)), Spacer(1, 260), Paragraph("三、收到和处理政府信息公开申请情况", text)]
    story.append(table(*_t3_matrix(report, vertical), repeat=3))
    story += [Paragraph("四、政府信息公开行政复议、行政诉讼情况", text), table(*_t4_matrix(report)),
              Paragraph("五、存在的主要问题及改进情况", text), Paragraph("公开深度有待提升。", text),
              Paragraph("六、其他需要报告的事项", text), Paragraph(f"{report.year}年，无收取信息处理费情况。", text)]
    options = {"encrypt": password} if password else {}
    SimpleDocTemplate(buffer, pagesize=A4, title=f"{report.publisher}{report.year}年政府信息公开工作年度报告",
                      **options).build(story)
    return buffer.getvalue()


def render_docx(report: Report, fullwidth: bool = False, nested: bool = True) -> bytes:
    """A Word file: tables with merged cells (gridSpan, vMerge); t4 inside a layout table's cell."""
    import io

    import docx

    document = docx.Document()
    document.core_properties.title = f"{report.publisher}{report.year}年政府信息公开工作年度报告"
    width = str.maketrans("0123456789", "０１２３４５６７８９") if fullwidth else None
    document.add_paragraph(document.core_properties.title)
    document.add_paragraph("一、总体情况")
    document.add_paragraph("二、主动公开政府信息情况")

    def add(container, rows, spans):
        t = container.add_table(rows=len(rows), cols=len(rows[0]))
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value:
                    t.cell(r, c).text = value.translate(width) if width else value
        for (c0, r0), (c1, r1) in spans:
            t.cell(r0, c0).merge(t.cell(r1, c1))
        return t

    add(document, *_t2_matrix(report))
    document.add_paragraph("三、收到和处理政府信息公开申请情况")
    add(document, *_t3_matrix(report, vertical=False))
    document.add_paragraph("四、政府信息公开行政复议、行政诉讼情况")
    container = document.add_table(rows=1, cols=1).cell(0, 0) if nested else document
    add(container, *_t4_matrix(report))
    document.add_paragraph("五、存在的主要问题及改进情况")
    document.add_paragraph("六、其他需要报告的事项")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


class Sites:
    """Government sites on loopback for tests and benchmarks: host i answers on 127.0.0.(i+2), with a
    report column of `pages` list pages linking `per_year` HTML reports of each of `years`, every
    answer after `latency` seconds. ETags make re-runs conditional; every request is logged as
    (host, path, start, end) so that tests can check what was asked, when, and how often."""

    def __init__(self, hosts: int, years: tuple[int, ...], per_year: int = 2, pages: int = 3,
                 latency: float = 0.0, robots: str | None = None):
        import threading
        from http.server import ThreadingHTTPServer

        self.latency, self.robots, self.log, self.lock = latency, robots, [], threading.Lock()
        self.servers, self.reports = [], []
        for i in range(hosts):
            host = f"127.0.0.{i + 2}"
            links = []
            for year in years:
                for j in range(per_year):
                    report = random_report(1000 * i + 10 * year + j, "2021", year)
                    report.publisher = f"测试{i}县人民政府"
                    path = f"/xxgk/nb/{year}_{j}.html"
                    self.reports.append((host, path, year, render_html(report).encode("utf-8")))
                    links.append((path, f"{report.publisher}{year}年政府信息公开工作年度报告"))
            per_page = -(-len(links) // pages)
            for p in range(pages):
                name = "index.html" if p == 0 else f"index_{p}.html"
                items = "".join(f'<li><a href="{u}">{escape(t)}</a></li>' for u, t in links[p * per_page:(p + 1) * per_page])
                nav = f'<a href="index_{p + 1}.html">下一页</a>' if p + 1 < pages else ""
                self.reports.append((host, f"/xxgk/nb/{name}", None,
                                     f"<html><body><ul>{items}</ul>{nav}</body></html>".encode()))
            server = ThreadingHTTPServer((host, 0), self._handler())
            threading.Thread(target=server.serve_forever, daemon=True).start()
            self.servers.append(server)
        self.pages = {(h, p): body for h, p, _, body in self.reports}
        self.reports = [(h, p, y) for h, p, y, _ in self.reports if y is not None]

    def column(self, i: int) -> str:
        host, port = self.servers[i].server_address[:2]
        return f"http://{host}:{port}/xxgk/nb/index.html"

    def registry(self) -> str:
        """A source registry: one listing source per host."""
        return "sources:\n" + "".join(f"  - {{name: site{i}, kind: listing, url: '{self.column(i)}', "
                                      "allow_private: true}\n" for i in range(len(self.servers)))

    def _handler(self):
        import hashlib
        import time
        from http.server import BaseHTTPRequestHandler

        sites = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):  # noqa: N802 (http.server's name)
                start = time.monotonic()
                time.sleep(sites.latency)
                host = self.server.server_address[0]
                body = sites.robots.encode() if self.path == "/robots.txt" and sites.robots else \
                    sites.pages.get((host, self.path))
                etag = f'"{hashlib.sha1(body).hexdigest()}"' if body is not None else None
                if body is None:
                    self.send_response(404)
                elif self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                else:
                    self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                if etag:
                    self.send_header("ETag", etag)
                payload = body if body is not None and self.headers.get("If-None-Match") != etag else b""
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                with sites.lock:
                    sites.log.append((host, self.path, start, time.monotonic()))

        return Handler

    def close(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()


def scan_pdf(data: bytes, dpi: int, noisy: bool = False, pages: list[int] | None = None,
             photographed: bool = False, unruled: bool = False) -> bytes:
    """A PDF's pages (all, or `pages` by index) as an image-only PDF, as a scanner gives it; `noisy`:
    turned by 1° and saved as a JPEG of quality 60; `photographed`: the sheet seen in perspective
    on a darker ground, its corners moved by 5–10 % of its sides, as a phone photo shows it;
    `unruled`: the tables' ruling lines painted white (a table drawn without lines)."""
    import io

    import pdfplumber
    import pypdfium2
    from PIL import Image, ImageDraw

    pdf = pypdfium2.PdfDocument(data)
    plumber = pdfplumber.open(io.BytesIO(data)) if unruled else None
    images = []
    for number in range(len(pdf)) if pages is None else pages:
        image = pdf[number].render(scale=dpi / 72).to_pil().convert("RGB")
        if plumber is not None:
            draw, k = ImageDraw.Draw(image), dpi / 72
            for edge in plumber.pages[number].edges:  # the lines and the rectangles' sides
                draw.rectangle([edge["x0"] * k - 2, edge["top"] * k - 2, edge["x1"] * k + 2, edge["bottom"] * k + 2], fill="white")
        if photographed:
            image = photograph(image)
        if noisy:
            image = image.rotate(1.0, resample=Image.BILINEAR, fillcolor="white")
            jpeg = io.BytesIO()
            image.save(jpeg, "JPEG", quality=60)
            image = Image.open(jpeg).convert("RGB")
        images.append(image)
    out = io.BytesIO()
    images[0].save(out, format="PDF", save_all=True, append_images=images[1:], resolution=dpi)
    return out.getvalue()


def photograph(image):
    """The page warped in perspective onto a gray ground 12 % wider on each side."""
    import cv2
    import numpy as np
    from PIL import Image

    page = np.asarray(image)
    height, width = page.shape[:2]
    pad = int(0.12 * width)
    ground = np.full((height + 2 * pad, width + 2 * pad, 3), 70, np.uint8)
    corners = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    moved = [(0.08, 0.05), (-0.05, 0.09), (-0.10, -0.06), (0.06, -0.07)]  # of the sides, inwards
    target = np.float32([[x + pad + dx * width, y + pad + dy * height] for (x, y), (dx, dy) in zip(corners, moved, strict=True)])
    warp = cv2.getPerspectiveTransform(corners, target)
    cv2.warpPerspective(page, warp, ground.shape[1::-1], dst=ground, borderMode=cv2.BORDER_TRANSPARENT)
    return Image.fromarray(ground)


_DECIDED = re.compile(r"^(\w+)\.(\w+)\.(\w+) read by OCR as .*: (?:confirmed|corrected) by the table's arithmetic$")


def compare_cells(truth: list[dict], read: list[dict], warnings: list[str] = ()) -> dict[str, int]:
    """How cells read by OCR (`read`, with the record's `warnings`) compare with the text layer's
    (`truth`): of its printed cells, those read `right`, left `null` and read `wrong` (a value other
    than the printed one), and `unmarked` (a value not marked inferred); of those the table's
    arithmetic decided (named in the warnings), how many (`decided`) and how many differ from the
    text layer's value (`decided wrong`)."""
    got = {(c["table"], c["row"], c["column"]): c for c in read}
    layer = {(c["table"], c["row"], c["column"]): c["value"] for c in truth}
    printed = {key: value for key, value in layer.items() if value is not None}
    counts = dict.fromkeys(("right", "null", "wrong", "unmarked", "decided", "decided wrong"), 0)
    for key, value in printed.items():
        cell = got.get(key) or {"value": None}
        kind = "null" if cell["value"] is None else "right" if cell["value"] == value else "wrong"
        counts[kind] += 1
        counts["unmarked"] += kind != "null" and not cell["inferred"]
    for decided in filter(None, map(_DECIDED.match, warnings)):
        counts["decided"] += 1
        counts["decided wrong"] += layer.get(decided.groups()) != got[decided.groups()]["value"]
    return counts
