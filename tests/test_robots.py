"""robots.txt: the rules (wildcards, longest match, Crawl-delay)."""

from ogi.acquire.fetch import FetchPolicy
from ogi.acquire.robots import HostRules, product_token

AGENT = product_token(FetchPolicy().user_agent)


def _rules(text: str) -> HostRules:
    return HostRules.parse(text, AGENT)


def test_our_product_token():
    assert AGENT == "ogi-reports"


def test_wildcards_and_end_anchor():
    rules = _rules("User-agent: *\nDisallow: /*.pdf$\nDisallow: /*?searchword=\n")
    assert not rules.allowed("https://example.gov.cn/a/b.pdf")
    assert rules.allowed("https://example.gov.cn/a/b.pdf?x=1")
    assert rules.allowed("https://example.gov.cn/a.pdfx")
    assert not rules.allowed("https://example.gov.cn/s?searchword=x")
    assert rules.allowed("https://example.gov.cn/s?page=2")
    assert rules.allowed("https://example.gov.cn/a/b.html")


def test_the_longest_match_wins():
    rules = _rules("User-agent: *\nAllow: /public/\nDisallow: /\n")
    assert rules.allowed("https://example.gov.cn/public/x")
    assert not rules.allowed("https://example.gov.cn/x")
    rules = _rules("User-agent: *\nDisallow: /xxgk/\nAllow: /xxgk/nb/\n")  # order does not matter
    assert rules.allowed("https://example.gov.cn/xxgk/nb/2022.html")
    assert not rules.allowed("https://example.gov.cn/xxgk/other.html")


def test_our_group_is_followed_rather_than_the_star_group():
    rules = _rules("User-agent: *\nDisallow: /\n\nUser-agent: Ogi-Reports\nDisallow: /private/\n")
    assert rules.allowed("https://example.gov.cn/xxgk/nb.html")
    assert not rules.allowed("https://example.gov.cn/private/a.html")
    assert not _rules("User-agent: otherbot\nAllow: /\n\nUser-agent: *\nDisallow: /\n").allowed("https://h/a")


def test_crawl_delay_for_our_agent_and_for_star():
    assert _rules(f"User-agent: {AGENT}\nCrawl-delay: 5\n").delay == 5.0
    assert _rules("User-agent: *\nCrawl-delay: 5\n").delay == 5.0
    assert _rules("User-agent: *\nCrawl-delay: 9\n\nUser-agent: ogi-reports\nCrawl-delay: 2\n").delay == 2.0
    # our group sets no delay: the star group's is kept
    assert _rules("User-agent: ogi-reports\nDisallow: /x/\n\nUser-agent: *\nCrawl-delay: 3\n").delay == 3.0
    assert _rules("User-agent: otherbot\nCrawl-delay: 5\n").delay is None
    assert _rules("User-agent: *\nDisallow: /x/\n").delay is None
    assert _rules("User-agent: *\nCrawl-delay: soon\n").delay is None


def test_request_rate_in_seconds_between_requests_and_the_larger_one_kept():
    assert _rules("User-agent: *\nRequest-rate: 1/10s\n").delay == 10.0
    assert _rules("User-agent: *\nRequest-rate: 6/1m\n").delay == 10.0
    assert _rules("User-agent: *\nRequest-rate: 1/10s\nCrawl-delay: 4\n").delay == 10.0
    assert _rules("User-agent: *\nRequest-rate: 2/1s\nCrawl-delay: 4\n").delay == 4.0


def test_bom_and_bad_bytes_are_tolerated():
    body = b"\xef\xbb\xbfUser-agent: *\nDisallow: /\xff\xfe/\nDisallow: /private/\n"
    rules = HostRules.parse(body, AGENT)
    assert not rules.allowed("https://example.gov.cn/private/a.html")
    assert rules.allowed("https://example.gov.cn/a.html")
    assert not HostRules.parse(b"\xef\xbb\xbfUser-agent: *\nDisallow: /\n", AGENT).allowed("https://h/a")
