"""A character class that every match of some regular expressions starts with, read from their text.

labels.scanner puts it in a lookahead in front of its alternation of about 90 label patterns, so
the engine tries them only where a label can begin (measured: a fifth of the extraction time of
real web pages, a quarter of one-cell-per-line text).

The reader follows only the syntax the format's patterns use (characters, escapes, `\\d`,
character classes without ranges, groups, lookarounds, alternation, quantifiers) and gives up,
returning None, on anything else. Each construct it follows it over-approximates (a lookaround
matches no character; a quantifier with minimum 0, `^` and `$` may match nothing), so the class
it returns holds every character a match can start with: a proof by construction, not a sample.
"""

from __future__ import annotations

import re

_GROUP = re.compile(r"\((\?(?::|=|!|<=|<!))?")
_CLASS = re.compile(r"\[(\^?)(\]?(?:\\.|[^\\\]])*)\]", re.DOTALL)
_CLASS_ITEM = re.compile(r"\\(.)|(.)", re.DOTALL)
_QUANTIFIER = re.compile(r"(?:([?*+])|\{(\d*)(?:,\d*)?\})[?+]?")

# First characters are class items: `\d` (any Unicode digit, as the engine reads it) or one
# escaped character; None stands for "any character".
Items = frozenset[str] | None


class _Unknown(Exception):
    """Syntax the reader does not follow."""


def first_class(patterns: list[str]) -> str | None:
    """`[...]` holding every character a match of any of `patterns` can start with; None when a
    pattern can match the empty string or start with any character, or uses syntax not followed."""
    items: set[str] = set()
    for pattern in patterns:
        try:
            chars, empty, end = _alternation(pattern, 0)
        except (_Unknown, IndexError):
            return None
        if chars is None or empty or end != len(pattern):
            return None
        items |= chars
    return "[" + "".join(sorted(items)) + "]" if items else None


def _union(a: Items, b: Items) -> Items:
    return None if a is None or b is None else a | b


def _alternation(p: str, i: int) -> tuple[Items, bool, int]:
    """Branches up to an unmatched `)` or the end: what any branch starts with, whether one is empty."""
    chars, empty = frozenset(), False
    while True:
        branch, branch_empty, i = _sequence(p, i)
        chars, empty = _union(chars, branch), empty or branch_empty
        if i == len(p) or p[i] == ")":
            return chars, empty, i
        i += 1  # past `|`


def _sequence(p: str, i: int) -> tuple[Items, bool, int]:
    """Items of one branch: what the items up to the first that cannot match nothing start with."""
    chars, empty = frozenset(), True
    while i < len(p) and p[i] not in "|)":
        item, item_empty, i = _item(p, i)
        if empty:
            chars, empty = _union(chars, item), item_empty
    return chars, empty, i


def _item(p: str, i: int) -> tuple[Items, bool, int]:
    """An atom and its quantifier, if any."""
    chars, empty, i = _atom(p, i)
    m = _QUANTIFIER.match(p, i)
    if m:
        least = 1 if m.group(1) == "+" else 0 if m.group(1) else int(m.group(2) or 0)
        return chars, empty or least == 0, m.end()
    return chars, empty, i


def _atom(p: str, i: int) -> tuple[Items, bool, int]:
    c = p[i]
    if c == "(":
        return _group(p, i)
    if c == "[":
        return _class(p, i)
    if c == "\\":
        return _escape(p[i + 1]), False, i + 2
    if c == ".":
        return None, False, i + 1
    if c in "^$":
        return frozenset(), True, i + 1
    if c in "*+?{}":
        raise _Unknown(p)
    return frozenset({re.escape(c)}), False, i + 1


def _group(p: str, i: int) -> tuple[Items, bool, int]:
    head = _GROUP.match(p, i)
    if p.startswith("(?", i) and not head.group(1):
        raise _Unknown(p)  # named group, inline flags, conditional
    chars, empty, end = _alternation(p, head.end())
    if end == len(p):
        raise _Unknown(p)  # unclosed
    if head.group(1) in (None, "?:"):
        return chars, empty, end + 1
    return frozenset(), True, end + 1  # a lookaround consumes nothing


def _class(p: str, i: int) -> tuple[Items, bool, int]:
    m = _CLASS.match(p, i)
    if not m:
        raise _Unknown(p)
    chars: set[str] = set()
    items = _CLASS_ITEM.findall(m.group(2))
    for k, (escaped, plain) in enumerate(items):
        if plain == "-" and 0 < k < len(items) - 1:
            raise _Unknown(p)  # a range
        chars |= _escape(escaped) if escaped else {re.escape(plain)}
    return (None if m.group(1) else frozenset(chars)), False, m.end()


def _escape(c: str) -> frozenset[str]:
    """What `\\c` matches: a digit for `\\d`, the character itself for punctuation."""
    if c == "d":
        return frozenset({r"\d"})
    if c.isascii() and c.isalnum():
        raise _Unknown(c)  # another class, a backreference or an anchor
    return frozenset({re.escape(c)})
