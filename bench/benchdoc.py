"""Generated sections of docs/benchmarks.md and their plots (matplotlib, PNG).

A generated section sits between two markers,

    <!-- BEGIN GENERATED: NAME (bench/...; do not edit by hand) -->
    ...
    <!-- END GENERATED: NAME -->

and `write_section` replaces only that block (appending it at the end the first time),
so hand-written sections and blocks that other benchmarks generate stay as they are.
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"


def _markers(name: str) -> tuple[str, str]:
    return (f"<!-- BEGIN GENERATED: {name} (do not edit by hand; `make bench` rewrites it) -->",
            f"<!-- END GENERATED: {name} -->")


def write_section(doc: Path, name: str, body: str) -> None:
    """Replace the generated block `name` in `doc` (or append it), keeping the rest."""
    begin, end = _markers(name)
    text = doc.read_text(encoding="utf-8") if doc.exists() else "# Benchmarks\n"
    block = f"{begin}\n{body.strip()}\n{end}"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")


def machine() -> str:
    """One line naming the machine the numbers were taken on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.1f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    return (f"{os.cpu_count()} cores ({cpu}){memory}, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}, "
            f"load average {load:.1f} at the end of the run")


def commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    return done.stdout.strip() or "unknown"


def table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    return plt


def line_plot(path: Path, title: str, xlabel: str, ylabel: str,
              series: dict[str, tuple[Sequence[float], Sequence[float]]], *,
              logx: bool = False, logy: bool = False,
              hlines: dict[str, float] | None = None) -> None:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=100)
    for label, (xs, ys) in series.items():
        dashed = label.startswith("CPU")
        ax.plot(xs, ys, marker="x" if dashed else "o", linestyle="--" if dashed else "-",
                label=label)
    for label, y in (hlines or {}).items():
        ax.axhline(y, linestyle="--", linewidth=1, color="grey")
        ax.annotate(label, (0.01, y), xycoords=("axes fraction", "data"), fontsize=8,
                    color="grey", va="bottom")
    if logx:
        ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, alpha=0.3)
    if series:
        ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


def bar_plot(path: Path, title: str, ylabel: str, bars: dict[str, float], *,
             target: float | None = None) -> None:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=100)
    labels = list(bars)
    ax.bar(range(len(labels)), [bars[k] for k in labels],
           color=["#dd8452" if k.endswith("CPU") else "#4c72b0" for k in labels])
    ax.set_xticks(range(len(labels)), labels, rotation=20, ha="right", fontsize=8)
    if target is not None:
        ax.axhline(target, linestyle="--", linewidth=1, color="grey")
    ax.axhline(1.0, linewidth=0.8, color="black")
    ax.set_yscale("log")
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    ax.grid(True, axis="y", alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


def publish(result: dict[str, Any], script: str, argv: Sequence[str], *, fresh: bool,
            json_path: Path | None, report: Path | None, how: str,
            render: Callable[[dict[str, Any], Path, str], None]) -> None:
    """A benchmark's ending: name the command and the machine of a fresh run, write the
    raw numbers, and render the report section with how to reproduce it."""
    command = f".venv/bin/python bench/{script} " + " ".join(argv)
    if fresh:
        result["commands"] = [command]
        result["machine"] = machine()
    if json_path:
        json_path.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2))
    if report:
        render(result, report, "\n".join([how] + (result.get("commands") or [command])))
