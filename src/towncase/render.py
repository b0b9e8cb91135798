"""Rendering rows for people: terminal tables that align Chinese (East Asian wide) text."""

from __future__ import annotations

from typing import Sequence

from wcwidth import wcswidth, wcwidth


def width(text: str) -> int:
    """Columns a string takes in a terminal (CJK characters take two)."""
    w = wcswidth(text)
    return w if w >= 0 else sum(max(wcwidth(c), 0) for c in text)


def truncate(text: str, columns: int) -> str:
    """Cut ``text`` to at most ``columns`` terminal columns, marking a cut with ``…``."""
    if width(text) <= columns:
        return text
    out, used = [], 0
    for char in text:
        w = max(wcwidth(char), 0)
        if used + w > columns - 1:
            break
        out.append(char)
        used += w
    return "".join(out) + "…"


def pad(text: str, columns: int) -> str:
    """Left-align ``text`` in ``columns`` terminal columns."""
    return text + " " * max(columns - width(text), 0)


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], max_width: int = 80) -> str:
    """A plain-text table that fits ``max_width`` columns, shrinking the widest columns first."""
    cells = [[str(c).replace("\n", " ") for c in row] for row in rows]
    widths = [max([width(h)] + [width(r[i]) for r in cells]) for i, h in enumerate(headers)]
    budget = max_width - 2 * (len(headers) - 1)
    while sum(widths) > budget and max(widths) > 6:
        widest = widths.index(max(widths))
        widths[widest] -= 1
    lines = ["  ".join(pad(truncate(h, w), w) for h, w in zip(headers, widths)).rstrip(),
             "  ".join("─" * w for w in widths)]
    for row in cells:
        lines.append("  ".join(pad(truncate(c, w), w) for c, w in zip(row, widths)).rstrip())
    return "\n".join(lines)
