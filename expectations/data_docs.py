"""Great Expectations' HTML Data Docs, built to open anywhere, and `ogi docs`, which serves them.

GX writes its pages with CSS and JavaScript from CDNs and a 4 MB copy of its static files per
site. Here each year's pages go to <root>/data_docs/year=YYYY/, rewritten to load the vendored
copies of those files (data_docs_static/, see its SOURCES.txt) from <root>/data_docs/static/,
written once per storage root, by relative links: they work from disk and over HTTP alike.
"""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from ogi.store.files import filesystem, replacing

log = logging.getLogger(__name__)

DOCS_PORT = 3070
DOCS_URL = f"http://127.0.0.1:{DOCS_PORT}"
VENDORED = Path(__file__).with_name("data_docs_static")
# GX's own files the pages use (from the package, as GX writes them to its site's static/)
GX_FILES = ("images/favicon.ico", "images/logo-long.png")

# Every CDN address of GX 1.x's page templates -> the vendored file under data_docs/static/
_UNPKG, _CDNJS = "https://unpkg.com/bootstrap-table@", "https://cdnjs.cloudflare.com/ajax/libs/"
_FILTER = "bootstrap-table-1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min"
CDN = {
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap-4.3.1/dist/css/bootstrap.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap-4.3.1/dist/js/bootstrap.min.js",
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery-3.7.1/dist/jquery.min.js",
    f"{_CDNJS}popper.js/1.12.9/umd/popper.min.js": "popper.js-1.12.9/dist/umd/popper.min.js",
    f"{_UNPKG}1.19.1/dist/bootstrap-table.min.css": "bootstrap-table-1.19.1/dist/bootstrap-table.min.css",
    f"{_UNPKG}1.19.1/dist/bootstrap-table.min.js": "bootstrap-table-1.19.1/dist/bootstrap-table.min.js",
    f"{_UNPKG}1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js": f"{_FILTER}.js",
    f"{_UNPKG}1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css": f"{_FILTER}.css",
    f"{_UNPKG}1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css": f"{_FILTER}.css",
    f"{_CDNJS}bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css":
        "bootstrap-datepicker-1.9.0/dist/css/bootstrap-datepicker.min.css",
    f"{_CDNJS}bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js":
        "bootstrap-datepicker-1.9.0/dist/js/bootstrap-datepicker.min.js",
    f"{_CDNJS}font-awesome/6.6.0/css/all.min.css": "fontawesome-free-6.6.0/css/all.min.css",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css":
        "bootstrap-dark-1.1.0/dist/css/bootstrap-prefers-dark.min.css",
}
# Vega draws profiling charts; the gate's pages have none, so its three scripts are dropped.
_VEGA = re.compile(r'<script src="https://cdn\.jsdelivr\.net/npm/vega[^"]*"></script>\s*')
# The logo GX loads from its S3 bucket (an <img>, and a CSS background): its own static copy instead.
_LOGO = re.compile(r"https://great-expectations-web-assets\.s3[^\"')]*/(?:logo-long|full_logo_dark)\.png(?:\?[^\"')]*)?")
# SRI and CORS attributes of the CDN tags: a file:// page cannot satisfy them.
_SRI = re.compile(r'\s(?:integrity="[^"]*"|crossorigin="[^"]*")')
# GX's relative links to its per-site static/ (some one level too shallow): to the shared one.
_GX_STATIC = re.compile(r'((?:src|href)=")(?:\./|(?:\.\./)+)static/')
_REMOTE = re.compile(r'<(?:link|script|img)\b[^>]*\b(?:src|href)="(https?://[^"]+)"')
_INDEX_PANE = 'aria-labelledby="Validation-Results-tab">'


def rewrite_page(html: str, depth: int) -> str:
    """A page `depth` folders below its year's folder, loading everything from data_docs/static/."""
    static = "../" * (depth + 1) + "static/"
    html = _VEGA.sub("", html)
    for url, local in CDN.items():
        html = html.replace(f'"{url}"', f'"{static}{local}"')
    html = _LOGO.sub(f"{static}images/logo-long.png", html)
    html = _GX_STATIC.sub(lambda m: f"{m.group(1)}{static}", html)
    return _SRI.sub("", html)


def index_list(results: list[tuple[str, bool, str]]) -> str:
    """The run's validation results (suite, success, page) as plain links, for readers without
    JavaScript (GX's own table of them is drawn by bootstrap-table)."""
    items = "".join(
        f'<li><i class="fas {"fa-check-circle text-success" if ok else "fa-times text-danger"}"></i> '
        f'<a href="{page}">{suite}</a> {"passed" if ok else "failed"}</li>'
        for suite, ok, page in sorted(results))
    return f'<noscript><ul class="list-unstyled mt-3 ogi-validation-results">{items}</ul></noscript>'


def _validation_results(ctx, build: Path) -> list[tuple[str, bool, str]]:
    store = ctx.validation_results_store
    found = []
    for key in store.list_keys():  # each result its own page: a suite run over slices has one per slice
        page = "validations/" + "/".join(key.to_tuple()) + ".html"
        if (build / page).exists():
            found.append((key.expectation_suite_identifier.name, bool(store.get(key).success), page))
    return found


def build_data_docs(ctx, root: str, year: int | str) -> str:
    """Write the Data Docs of this context's runs under <root>/data_docs/year=YYYY/ (replacing the
    year's earlier ones) and the shared static files if they changed; return the index's path or URL."""
    fs, base = filesystem(root)
    docs = f"{base.rstrip('/')}/data_docs"
    target = f"{docs}/year={year}"
    with tempfile.TemporaryDirectory(prefix="ogi-docs-") as temp:
        build = Path(temp, "site")
        site = f"year_{year}"
        ctx.add_data_docs_site(site_name=site, site_config={
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(build)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        })
        ctx.build_data_docs(site_names=[site])
        static = Path(temp, "static")
        shutil.copytree(VENDORED, static)
        for name in GX_FILES:
            (static / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(build / "static" / name, static / name)
        shutil.rmtree(build / "static")
        _rewrite_site(build, _validation_results(ctx, build))
        publish_static(fs, static, f"{docs}/static")
        if fs.exists(target):
            fs.rm(target, recursive=True)
        fs.put(f"{build}/", target, recursive=True)
    index = f"{target}/index.html"
    return index if _local(fs) else fs.unstrip_protocol(index)


def _local(fs) -> bool:
    return bool({"file", "local"} & ({fs.protocol} if isinstance(fs.protocol, str) else set(fs.protocol)))


def _rewrite_site(build: Path, results: list[tuple[str, bool, str]]) -> None:
    for page in build.rglob("*.html"):
        html = rewrite_page(page.read_text(encoding="utf-8"), len(page.relative_to(build).parts) - 1)
        if page == build / "index.html":
            if _INDEX_PANE in html:
                html = html.replace(_INDEX_PANE, _INDEX_PANE + index_list(results), 1)
            else:
                log.warning("Data Docs: no validation results tab in index.html; run's results not listed")
        remote = sorted(set(_REMOTE.findall(html)))
        if remote:
            log.warning("Data Docs: %s still loads %s", page.relative_to(build), ", ".join(remote))
        page.write_text(html, encoding="utf-8")


def publish_static(fs, local: Path, remote: str) -> None:
    """Copy the static tree to `remote` unless its MANIFEST (sha256 per file) already matches; each
    file replaced in one move, the manifest last, so a build that stops is redone next time."""
    files = sorted(p for p in local.rglob("*") if p.is_file())
    manifest = "".join(f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(local).as_posix()}\n"
                       for p in files)
    if fs.exists(f"{remote}/MANIFEST") and fs.cat_file(f"{remote}/MANIFEST").decode() == manifest:
        return
    for path in files:
        with replacing(fs, f"{remote}/{path.relative_to(local).as_posix()}") as temp:
            fs.put_file(str(path), temp)
    with replacing(fs, f"{remote}/MANIFEST") as temp:
        fs.pipe_file(temp, manifest.encode())


class DocsError(Exception):
    """`ogi docs` cannot serve: nothing built yet, or the port is taken."""


def local_docs(root: str) -> tuple[Path, bool]:
    """<root>/data_docs on this machine: a local root's own folder, or for a remote root (s3://…)
    a copy in a temporary folder; (folder, copied)."""
    fs, base = filesystem(root)
    docs = f"{base.rstrip('/')}/data_docs"
    if not fs.exists(docs):
        raise DocsError(f"no Data Docs under {root}: the gate writes them (ogi materialize)")
    if _local(fs):
        return Path(docs), False
    copy = Path(tempfile.mkdtemp(prefix="ogi-docs-"), "data_docs")
    fs.get(f"{docs}/", str(copy), recursive=True)
    return copy, True


def serve_docs(root: str, port: int | None = None, say: Callable[[str], None] = print) -> int:
    """Serve <root>/data_docs on http://127.0.0.1:port (DOCS_PORT by default, 0: any free port) until
    Ctrl-C (or SIGTERM)."""
    import signal
    from functools import partial
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    port = DOCS_PORT if port is None else port
    folder, copied = local_docs(root)

    class Handler(SimpleHTTPRequestHandler):
        extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".woff2": "font/woff2"}

        def log_message(self, format, *args):
            pass

    try:
        server = ThreadingHTTPServer(("127.0.0.1", port), partial(Handler, directory=str(folder)))
    except OSError as exc:
        raise DocsError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc} (choose another with --port)") from exc
    if copied:
        say(f"{root}/data_docs copied to {folder} (a snapshot: start ogi docs again for later runs)")
    address = f"http://127.0.0.1:{server.server_address[1]}"
    say(f"Data Docs of {folder} on {address}/ (Ctrl-C stops)")
    for year in sorted(p.name for p in folder.glob("year=*")):
        say(f"  {year.removeprefix('year=')}  {address}/{year}/index.html")

    def stop(signum, frame):
        raise KeyboardInterrupt

    # SIGINT too: a process started in the background inherits it ignored, and Ctrl-C must still stop it
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        server.server_close()
        if copied:
            shutil.rmtree(folder.parent, ignore_errors=True)
    return 0
