"""Fetching one URL politely and safely into a content-addressed store of raw bytes.

Polite (a User-Agent naming the project, a delay per host, capped retries) and cheap to re-run (conditional
requests: an unchanged page is not downloaded again). Every URL ends as one FetchResult, errors included, so
one bad site never stops a run. URLs come from the open web, so non-public addresses are refused by default.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin

import fsspec
import requests
from urllib3.exceptions import ReadTimeoutError
from urllib3.util.retry import Retry

from ogi.acquire.guard import Deadline, PinnedAdapter, Refused, Resolver, checked_address, resolve, target
from ogi.acquire.politeness import HostGate
from ogi.store.files import filesystem, replacing

_RETRY_STATUSES = frozenset({429, *range(500, 600)})


@dataclass(frozen=True)
class FetchPolicy:
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    retries: int = 3  # retries on connection errors, 429 and 5xx
    backoff: float = 0.5  # seconds, exponential
    max_retry_after: float = 60.0  # cap for an honoured Retry-After header (seconds)
    per_host_delay: float = 1.0  # minimum seconds between two requests to one host
    max_bytes: int = 20 * 1024 * 1024
    max_redirects: int = 5
    deadline: float = 120.0  # seconds for one request: connect, headers and body together
    user_agent: str = "ogi-reports/0.1 (+https://github.com/ogi-reports/ogi-reports; annual report archiver)"


@dataclass(frozen=True)
class FetchResult:
    url: str  # as requested
    final_url: str | None  # after redirects; for an error, the last URL tried
    status: str  # "fetched" | "not_modified" | "error"
    http_status: int | None
    content_type: str | None
    sha256: str | None  # of the body (for not_modified: the previous body's sha256)
    size: int | None
    etag: str | None
    last_modified: str | None
    fetched_at: str  # ISO 8601 UTC, e.g. "2026-11-22T01:02:03Z": when this request was made
    error: str | None  # a clear one-line reason, never a traceback
    downloaded_at: str | None = None  # when the stored body was downloaded (earlier, if not_modified)


class RawStore:
    """Content-addressed store of raw bytes under <root>/raw/<sha[:2]>/<sha>, any fsspec URL."""

    def __init__(self, root: str):
        self.fs, path = filesystem(root)
        self.root = path.rstrip("/")

    def _path(self, sha256: str) -> str:
        return f"{self.root}/raw/{sha256[:2]}/{sha256}"

    def put(self, data: bytes) -> str:
        """Store `data` once: the same bytes always land at the same name, so an existing object is left alone."""
        sha = hashlib.sha256(data).hexdigest()
        if not self.fs.exists(self._path(sha)):
            _write_atomically(self.fs, self._path(sha), data)
        return sha

    def get(self, sha256: str) -> bytes:
        """The stored bytes, verified: RawStoreCorrupt (and the object removed, so that the next
        fetch stores it again) when they no longer hash to their name."""
        data = self.fs.cat_file(self._path(sha256))
        if hashlib.sha256(data).hexdigest() != sha256:
            self.fs.rm(self._path(sha256))
            raise RawStoreCorrupt(f"stored object {sha256[:12]}… is damaged (its bytes no longer match its hash)")
        return data

    def exists(self, sha256: str) -> bool:
        return self.fs.exists(self._path(sha256))


def _write_atomically(fs: fsspec.AbstractFileSystem, target: str, data: bytes) -> None:
    """Readers see the whole file or nothing (the temporary name is hidden and ends in .tmp)."""
    with replacing(fs, target) as temp:
        fs.pipe_file(temp, data)


def check_address(host: str, allow_private: bool) -> str | None:
    """Why `host` must not be asked, or None: every address it resolves to must be a public one."""
    try:
        checked_address(host, allow_private)
    except Refused as exc:
        return str(exc)
    return None


class _PoliteRetry(Retry):
    """urllib3's Retry, but a retry waits at least the per-host delay, and Retry-After is honoured only up to a cap
    (no server parks a run for a day)."""

    def __init__(self, *args, min_wait: float = 0.0, max_retry_after: float = 60.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.min_wait, self.max_retry_after = min_wait, max_retry_after

    def new(self, **kwargs) -> _PoliteRetry:
        retry = super().new(**kwargs)
        retry.min_wait, retry.max_retry_after = self.min_wait, self.max_retry_after
        return retry

    def get_backoff_time(self) -> float:
        return max(super().get_backoff_time(), self.min_wait)

    def get_retry_after(self, response) -> float | None:
        seconds = super().get_retry_after(response)
        return None if seconds is None else max(min(seconds, self.max_retry_after), self.min_wait)


class _Failed(Exception):
    """This URL's fetch ends here, for the one-line reason given."""


class RawStoreCorrupt(Exception):
    """A stored object's bytes no longer hash to its name."""


class Fetcher:
    """Polite HTTP fetching into a RawStore. Not shared between threads: each thread has its own
    Fetcher, and the threads of a crawl share one HostGate (one request at a time per host)."""

    def __init__(self, store: RawStore, policy: FetchPolicy = FetchPolicy(), previous: dict[str, dict] | None = None,
                 resolver: Resolver = resolve, gate: HostGate | None = None):
        self.store, self.policy, self.previous, self.resolver = store, policy, previous or {}, resolver
        self.gate = gate or HostGate(policy.per_host_delay)
        # Read timeouts are not retried: a hanging server costs one timeout, not four. Proxies and .netrc from the
        # environment are ignored: the address checks must describe the real connection.
        retry = _PoliteRetry(total=policy.retries, connect=policy.retries, read=False, status=policy.retries,
                             backoff_factor=policy.backoff, status_forcelist=_RETRY_STATUSES, raise_on_status=False,
                             min_wait=policy.per_host_delay, max_retry_after=policy.max_retry_after)
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.headers["User-Agent"] = policy.user_agent
        self.adapter = PinnedAdapter(max_retries=retry)
        for scheme in ("http://", "https://"):
            self.session.mount(scheme, self.adapter)

    def fetch(self, url: str, allow_private: bool = False) -> FetchResult:
        """One URL into the store; network and HTTP problems come back as an "error" result, never raised.

        Redirects are followed here, not by requests, so that every hop's address is checked before it is asked.
        """
        known = self._known(url)
        current, response = url, None
        try:
            for _ in range(self.policy.max_redirects + 1):
                headers = {}
                if known and known.get("final_url") == current:
                    headers = {"If-None-Match": known.get("etag"), "If-Modified-Since": known.get("last_modified")}
                _, host, _ = target(current)  # refuses what parsers disagree on before anything else reads the URL
                with self.gate.turn(host), Deadline(self.policy.deadline) as deadline:
                    try:
                        with self._request(current, allow_private, {k: v for k, v in headers.items() if v}) as response:
                            if not response.is_redirect:
                                return self._result(url, current, response, known)
                    except requests.RequestException:
                        if deadline.passed():
                            raise _Failed(f"took longer than the {self.policy.deadline:g} s deadline") from None
                        raise
                current, response = urljoin(current, response.headers["Location"]), None
            reason = f"too many redirects ({self.policy.max_redirects + 1})"
        except (_Failed, Refused) as exc:
            reason = str(exc)
        except requests.RequestException as exc:
            reason = self._describe(exc)
        except ValueError as exc:  # from urljoin
            reason = f"invalid URL: {exc}"
        http_status, content_type = (None, None) if response is None else (
            response.status_code, response.headers.get("Content-Type"))
        return FetchResult(url, current, "error", http_status, content_type, None, None, None, None, _now(), reason)

    def _known(self, url: str) -> dict | None:
        """The previous row for `url` if its body is still in the store: only then may a 304 stand for it."""
        row = self.previous.get(url)
        if row and row.get("status") != "error" and row.get("sha256") and self.store.exists(row["sha256"]):
            return row
        return None

    def _request(self, url: str, allow_private: bool, headers: dict[str, str]) -> requests.Response:
        """Checked and sent by one parser (urllib3's, on the URL requests prepares), to the one
        address that was checked."""
        try:
            prepared = self.session.prepare_request(requests.Request("GET", url, headers=headers))
        except requests.RequestException as exc:
            raise _Failed(f"invalid URL: {exc}") from None
        _, host, _ = target(prepared.url)
        self.adapter.pins = {host: checked_address(host, allow_private, self.resolver)}
        return self.session.send(prepared, stream=True, allow_redirects=False,
                                 timeout=(self.policy.connect_timeout, self.policy.read_timeout))

    def _result(self, url: str, final_url: str, response: requests.Response, known: dict | None) -> FetchResult:
        headers, status = response.headers, response.status_code
        if status == 304 and known:
            return FetchResult(url, final_url, "not_modified", status, known.get("content_type"), known["sha256"],
                               known.get("size"), headers.get("ETag") or known.get("etag"),
                               headers.get("Last-Modified") or known.get("last_modified"), _now(), None,
                               known.get("downloaded_at") or known.get("fetched_at"))
        if not 200 <= status < 300:
            raise _Failed(f"HTTP {status}")
        body = self._body(response)
        now = _now()
        return FetchResult(url, final_url, "fetched", status, headers.get("Content-Type"), self.store.put(body),
                           len(body), headers.get("ETag"), headers.get("Last-Modified"), now, None, now)

    def _body(self, response: requests.Response) -> bytes:
        """The body, streamed and given up as soon as it passes max_bytes (nothing is stored then)."""
        limit = self.policy.max_bytes
        too_big = _Failed(f"body over the {limit / 2**20:g} MiB limit" if limit >= 2**20 else
                          f"body over the {limit / 2**10:g} KiB limit")
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise too_big
        chunks, size = [], 0
        for chunk in response.iter_content(64 * 1024):
            size += len(chunk)
            if size > limit:
                raise too_big
            chunks.append(chunk)
        return b"".join(chunks)

    def _describe(self, exc: requests.RequestException) -> str:
        """One line for a failed request, without the layers of errors that requests and urllib3 wrap it in."""
        cause = exc.args[0] if exc.args else exc
        if isinstance(exc, requests.ConnectTimeout):
            return f"connection timed out after {self.policy.connect_timeout:g} s"
        if isinstance(exc, requests.ReadTimeout) or isinstance(cause, ReadTimeoutError):
            return f"timed out after {self.policy.read_timeout:g} s"
        cause = getattr(cause, "reason", None) or cause  # MaxRetryError: the last error seen
        kind = ("TLS error" if isinstance(exc, requests.exceptions.SSLError) else
                "connection failed" if isinstance(exc, requests.ConnectionError) else "request failed")
        return f"{kind}: {' '.join(str(cause).split())}"


def _now() -> str:
    return f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ}"
