"""Alpine (apk-tools) version ordering, written out from apk's documented format.

    number{.number}...{letter}{_suffix{number}}...{~hash}{-r#}

Why our own: univers' `AlpineLinuxVersion` answers `a < b`, `b <= a` and `a >= b` all
true for pairs such as `10.4.25_rc1-r0` / `10.4.25-r0`, so a range check built on it
misses pre-releases just below a fix. apk's rules, as one sort key:

- numbers compare component by component; a longer list wins when one is a prefix
  of the other (1.0 < 1.0.1). A later component with a leading zero sorts before every
  component without one, and among themselves such components compare as text;
- then the optional single letter (none < a < … < z);
- then the suffixes in order: _alpha < _beta < _pre < _rc < (no suffix) < _cvs <
  _svn < _git < _hg < _p, each followed by an optional number (none < 0 < 1 …);
- then the optional ~hash (none < any, compared as text);
- then the revision -rN (none < -r0 < -r1 …).
"""

from __future__ import annotations

import re
from functools import total_ordering

_SUFFIX_RANK = {"alpha": 0, "beta": 1, "pre": 2, "rc": 3, "cvs": 5, "svn": 6, "git": 7,
                "hg": 8, "p": 9}
_NO_SUFFIX = (4, 0)  # between the pre-release and the post-release suffixes
_FORMAT = re.compile(
    r"(?P<first>\d+)(?P<rest>(?:\.\d+)*)(?P<letter>[a-z]?)"
    r"(?P<suffixes>(?:_(?:alpha|beta|pre|rc|cvs|svn|git|hg|p)\d*)*)"
    r"(?:~(?P<hash>[0-9a-f]+))?(?:-r(?P<revision>\d+))?")
_SUFFIX = re.compile(r"_([a-z]+)(\d*)")

Key = tuple[object, ...]


def _component(text: str) -> tuple[int, int | str]:
    return (0, text) if text.startswith("0") else (1, int(text))


def sort_key(text: str) -> Key:
    """The apk order of `text` as a tuple; ValueError when it is not an apk version."""
    m = _FORMAT.fullmatch(text)
    if m is None:
        raise ValueError(f"not an Alpine package version: {text!r}")
    numbers = ((1, int(m["first"])),
               *(_component(p) for p in m["rest"].split(".")[1:]))
    suffixes = tuple((_SUFFIX_RANK[name], int(num) if num else -1)
                     for name, num in _SUFFIX.findall(m["suffixes"]))
    revision = int(m["revision"]) if m["revision"] is not None else -1
    return (numbers, m["letter"], (*suffixes, _NO_SUFFIX), m["hash"] or "", revision)


@total_ordering
class ApkVersion:
    """An Alpine package version, ordered as apk orders it."""

    __slots__ = ("key", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.key = sort_key(text)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ApkVersion) and self.key == other.key

    def __lt__(self, other: ApkVersion) -> bool:
        if not isinstance(other, ApkVersion):
            return NotImplemented
        return self.key < other.key

    def __hash__(self) -> int:
        return hash(self.key)

    def __repr__(self) -> str:
        return f"ApkVersion({self.text!r})"
