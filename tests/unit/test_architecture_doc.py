"""The layer picture in docs/architecture.md names exactly the packages of the tree, in
the layers the import check enforces (planned packages in parentheses)."""

from __future__ import annotations

import re
from pathlib import Path

from ..support.layering import LAYERS, packages_in

ROOT = Path(__file__).parents[2]


def _picture() -> list[tuple[str, set[str], set[str]]]:
    text = (ROOT / "docs" / "architecture.md").read_text()
    block = text.split("<!-- layers:", 1)[1].split("```text\n", 1)[1].split("```", 1)[0]
    rows = []
    for line in block.splitlines():
        if not line or line[0].isspace():
            continue
        name, _, rest = line.partition(" ")
        present, _, planned = rest.partition("(")
        rows.append((name, {w.rstrip("/") for w in present.split()},
                     {w.rstrip("/") for w in re.sub(r"[()]", " ", planned).split()}))
    return rows


def test_the_picture_shows_every_layer_and_package() -> None:
    tree = packages_in(ROOT / "src") - {"__init__"}
    picture = _picture()
    assert [name for name, _, _ in picture] == [
        name.split()[0] for name, _ in LAYERS]
    for (name, present, planned), (_, listed) in zip(picture, LAYERS, strict=True):
        assert present == (listed - {"__init__"}) & tree, name
        assert planned == (listed - {"__init__"}) - tree, name
    shown = set().union(*(present for _, present, _ in picture))
    assert shown == tree
