"""Report pages that only link their report: find the attached PDF or Word files."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from lxml import etree

from ogi.read.decode import UnreadableDocument, decode

SUFFIXES = (".pdf", ".doc", ".docx", ".wps", ".et")
_TABLE_MARKERS = re.compile("第二十条|第二十條|勾稽|本年新收|<table", re.IGNORECASE)


def attachment_links(data: bytes, base_url: str) -> list[str]:
    """Links to attachments on an HTML page that has no report tables of its own, in page order."""
    try:
        text = decode(data).text
    except UnreadableDocument:
        return []
    if _TABLE_MARKERS.search(text) or "<a" not in text.lower():
        return []
    try:
        root = etree.fromstring(text, etree.HTMLParser())
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return []
    links = []
    for href in root.xpath("//a/@href") if root is not None else []:
        url = urljoin(base_url, href.strip())
        if urlsplit(url).path.lower().endswith(SUFFIXES) and url not in links:
            links.append(url)
    return links
