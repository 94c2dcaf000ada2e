"""The kit every ``report.html`` of deeprg is built with: style, cells, tables, images, verdicts.

Reports are single self-contained files: figures are embedded as base64 PNG, and every
table cell is escaped here.
"""

from __future__ import annotations

import base64
import html
import os
from collections.abc import Sequence
from pathlib import Path

from ..io import atomic_write

__all__ = [
    "STYLE",
    "dict_table",
    "figure_sections",
    "format_value",
    "image",
    "verdict_class",
    "verdict_table",
    "verdict_word",
    "write_html",
]

#: The style sheet of every report.
STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; color: #222; }
h1 { font-size: 1.6em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.9em; }
td, th { border: 1px solid #ccc; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } td.num { text-align: right; font-family: monospace; }
.yes { color: #176c1f; font-weight: 600; } .no { color: #a31515; font-weight: 600; }
.na { color: #777; font-style: italic; }
img { max-width: 100%; border: 1px solid #eee; margin: 0.4em 0; }
.note { color: #555; font-size: 0.9em; }
"""


def format_value(value) -> str:
    """A table cell: "—" for None, yes/no for booleans, 6 significant digits, else escaped."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.6g}"
    return html.escape(str(value))


def verdict_class(holds: bool | None) -> str:
    """CSS class of a verdict cell: "yes", "no" or "na" (not measurable)."""
    return "na" if holds is None else ("yes" if holds else "no")


def verdict_word(holds: bool | None) -> str:
    """ "holds", "does not hold" or "not measurable"."""
    return "not measurable" if holds is None else ("holds" if holds else "does not hold")


def image(path: str | os.PathLike) -> str:
    """An ``<img>`` tag with the PNG at ``path`` embedded as base64."""
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return f'<img alt="{html.escape(Path(path).stem)}" src="data:image/png;base64,{data}">'


def dict_table(rows: Sequence[dict], columns: Sequence[str]) -> str:
    """A table with one row per dict and the given columns (cells by :func:`format_value`)."""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{format_value(row.get(c))}</td>" for c in columns) + "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def verdict_table(verdicts: Sequence[dict]) -> str:
    """The statement / verdict / evidence table of ``metrics.json``'s verdict entries."""
    rows = "".join(
        f"<tr><td>{html.escape(v['claim'])}</td><td class={verdict_class(v['holds'])}>"
        f"{verdict_word(v['holds'])}</td><td>{html.escape(v['evidence'])}</td></tr>"
        for v in verdicts
    )
    return f"<table><tr><th>statement</th><th>verdict</th><th>evidence</th></tr>{rows}</table>"


def write_html(parts: Sequence[str], path: str | os.PathLike) -> Path:
    """Join ``parts`` into ``path`` (UTF-8, written atomically)."""
    with atomic_write(path, overwrite=True) as tmp:
        tmp.write_text("".join(parts), encoding="utf-8")
    return Path(path)


def figure_sections(figures: dict, captions: Sequence[tuple[str, str]]) -> str:
    """One ``<h3>`` caption and embedded image per figure, in the order of ``captions``.

    Parameters
    ----------
    figures : dict
        Figure name -> PNG path (names missing here are skipped).
    captions : sequence of (name, caption)
    """
    return "".join(
        f"<h3>{html.escape(caption)}</h3>{image(figures[name])}"
        for name, caption in captions
        if name in figures
    )
