"""Small server-side SVG charts, the same in HTML pages and in PDFs (no chart library).

Sized for a phone: a chart is WIDTH units wide and drawn at that many CSS pixels, shrunk to fit narrower
screens (`max-width: 100%`). Its text is FONT_SIZE units, so it stays at least MIN_READABLE pixels high
down to a PHONE_WIDTH-pixel column (a 390 px phone, less the page's margins). Labels are measured
(CJK characters one em wide, others about 0.62 em) and shortened with "…" where they would not fit.
"""

from __future__ import annotations

import math
import unicodedata

from markupsafe import Markup, escape

INK, MUTED, LINE, BRAND, OK, BAD, GOLD = "#1d2733", "#66717f", "#dde3ea", "#0b6bcb", "#1e7d32", "#c62828", "#b07d00"
FONT = "font-family='Noto Sans CJK SC, sans-serif'"
WIDTH = 340  # units, and CSS pixels at natural size
PHONE_WIDTH = 316  # CSS pixels a chart gets in a card on a 390 px phone
MIN_READABLE = 12  # CSS pixels: the smallest text a chart may show on that phone
FONT_SIZE = 14  # every label, value and axis: 14 x 316 / 340 = 13 px on the phone
GAP = 8  # between a label and its bar


def text_width(text: str, size: float = FONT_SIZE) -> float:
    """Estimate how wide a text is drawn: wide (CJK) and ambiguous characters one em, others 0.62 em."""
    return sum(size * (1.0 if unicodedata.east_asian_width(char) in "WFA" else 0.62) for char in text)


def fit(text: str, room: float, size: float = FONT_SIZE) -> str:
    """Return the text, shortened with "…" so that it is drawn within `room` units."""
    if text_width(text, size) <= room:
        return text
    while text and text_width(text + "…", size) > room:
        text = text[:-1]
    return text + "…"


def _text(x: float, y: float, content: str, fill: str = INK, anchor: str = "start") -> str:
    return (f"<text x='{x:.1f}' y='{y:.1f}' font-size='{FONT_SIZE}' text-anchor='{anchor}' fill='{fill}'>"
            f"{escape(content)}</text>")


def _svg(width: int, height: float, body: list[str], label: str) -> Markup:
    height = math.ceil(height)
    return Markup(
        f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width} {height}' width='{width}' "
        f"height='{height}' role='img' aria-label='{escape(label)}' {FONT}>{''.join(body)}</svg>"
    )


class _Rows:
    """Where each row's label and bar go: labels beside the bars when they fit in 40% of the width, else above."""

    def __init__(self, names: list[str], width: int, right: float, bar_height: float):
        widest = max((text_width(name) for name in names), default=0)
        self.beside = widest + GAP <= 0.4 * width
        self.left = widest + GAP if self.beside else 0.0
        self.span = width - self.left - right
        self.label_room = widest if self.beside else width - right
        self.head = 0 if self.beside else FONT_SIZE + 6  # the label's line above the bar
        self.bar_height = bar_height
        self.height = self.head + max(bar_height, FONT_SIZE + 4) + 10

    def top(self, index: int) -> float:
        return index * self.height

    def bar_y(self, index: int) -> float:
        return self.top(index) + self.head + (max(self.bar_height, FONT_SIZE + 4) - self.bar_height) / 2 + 5

    def label(self, index: int, name: str) -> str:
        shown = fit(name, self.label_room)
        if self.beside:
            return _text(self.left - GAP, self.baseline(index), shown, anchor="end")
        return _text(0, self.top(index) + FONT_SIZE + 1, shown)

    def baseline(self, index: int) -> float:
        """Return the baseline of text beside the bar, centred on it."""
        return self.bar_y(index) + self.bar_height / 2 + FONT_SIZE * 0.35


def bar_chart(rows: list[tuple[str, float | None]], label: str, pass_mark: float | None = None,
              width: int = WIDTH) -> Markup:
    """Draw horizontal bars of scores 0..100, one row each; a dashed line marks the pass mark."""
    layout = _Rows([name for name, _ in rows], width, text_width("100.0") + GAP, 16)
    body = []
    for index, (name, value) in enumerate(rows):
        y = layout.bar_y(index)
        body.append(layout.label(index, name))
        body.append(f"<rect x='{layout.left:.1f}' y='{y:.1f}' width='{layout.span:.1f}' height='16' fill='#eef2f7'/>")
        if value is not None:
            colour = OK if pass_mark is None or value >= pass_mark else BAD
            body.append(f"<rect x='{layout.left:.1f}' y='{y:.1f}' width='{layout.span * value / 100:.1f}' "
                        f"height='16' fill='{colour}'/>")
        shown = "—" if value is None else f"{value:.1f}"
        body.append(_text(layout.left + layout.span + 6, layout.baseline(index), shown))
    height = max(1, len(rows)) * layout.height
    if pass_mark is not None:
        x = layout.left + layout.span * pass_mark / 100
        body.append(f"<line x1='{x:.1f}' y1='0' x2='{x:.1f}' y2='{height}' stroke='{MUTED}' stroke-dasharray='3 3'/>")
    return _svg(width, height + 2, body, label)


def servqual_chart(dimensions: list[tuple[str, float | None, float | None]], label: str,
                   legend: tuple[str, str], width: int = WIDTH) -> Markup:
    """Draw expectation and perception (1..7) side by side for each dimension, with the gap at the end."""
    layout = _Rows([name for name, _, _ in dimensions], width, text_width("+0.00") + GAP, 26)
    body = []
    for index, (name, expectation, perception) in enumerate(dimensions):
        y = layout.bar_y(index)
        body.append(layout.label(index, name))
        for offset, value, colour in ((0, expectation, "#9cb3cc"), (14, perception, BRAND)):
            if value is not None:
                body.append(f"<rect x='{layout.left:.1f}' y='{y + offset:.1f}' "
                            f"width='{layout.span * (value - 1) / 6:.1f}' height='12' fill='{colour}'/>")
        if expectation is not None and perception is not None:
            gap = perception - expectation
            body.append(_text(layout.left + layout.span + 6, layout.baseline(index), f"{gap:+.2f}",
                              fill=BAD if gap < 0 else OK))
    y = max(1, len(dimensions)) * layout.height + 4
    # The two keys side by side when they fit, else one under the other.
    keys = [(legend[0], "#9cb3cc"), (legend[1], BRAND)]
    side_by_side = sum(text_width(text) + 30 for text, _ in keys) <= width
    x = 0.0
    for text, colour in keys:
        body.append(f"<rect x='{x:.1f}' y='{y + 3:.1f}' width='12' height='12' fill='{colour}'/>")
        body.append(_text(x + 17, y + FONT_SIZE, fit(text, width - x - 17), fill=MUTED))
        if side_by_side:
            x += text_width(text) + 30
        else:
            y += FONT_SIZE + 8
    return _svg(width, y + FONT_SIZE + 6, body, label)


def trend_chart(points: list[tuple[str, float | None]], label: str, width: int = WIDTH,
                height: int = 180, pass_mark: float | None = None,
                scale: tuple[float, float] = (0, 100),
                intervals: list[tuple[float | None, float | None]] | None = None) -> Markup:
    """Draw a line of values (scores 0..100 unless told) over periods, with the period labels below.

    The period labels are thinned out (every second, third… one) where they would overlap. Given intervals
    (low, high per point, None for none), each point gets an error bar, clipped to the scale.
    """
    low, high = scale
    ticks = [(v, f"{v:g}") for v in (low, (low + high) / 2, high)]
    names = [name for name, _ in points]
    name_width = max((text_width(name) for name in names), default=0)
    left = max(max(text_width(text) for _, text in ticks) + 8, name_width / 2 + 2)
    right = max(12, name_width / 2 + 2)
    top, bottom = FONT_SIZE / 2 + 2, FONT_SIZE + 12
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(1, len(points) - 1)
    every = max(1, math.ceil((name_width + 10) / step)) if len(points) > 1 else 1

    def y_of(value: float) -> float:
        return top + plot_h * (1 - (value - low) / (high - low))

    body = _grid(ticks, pass_mark, (left, width - right), y_of)
    if intervals:
        body += _error_bars([left + i * step for i in range(len(points))], intervals, y_of, scale)
    coords = [(left + i * step, y_of(v)) for i, (_, v) in enumerate(points) if v is not None]
    if len(coords) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        body.append(f"<polyline points='{path}' fill='none' stroke='{BRAND}' stroke-width='2.5'/>")
    body += [f"<circle cx='{x:.1f}' cy='{y:.1f}' r='3.5' fill='{BRAND}'/>" for x, y in coords]
    # The last period is always named; the others every `every` from the last one back.
    last = len(points) - 1
    body += [_text(left + i * step, height - 6, name, fill=MUTED, anchor="middle")
             for i, name in enumerate(names) if (last - i) % every == 0]
    return _svg(width, height, body, label)


def _grid(ticks: list[tuple[float, str]], pass_mark: float | None, span: tuple[float, float], y_of) -> list[str]:
    """Draw the scale's lines with their values at the left, and the pass mark dashed."""
    start, end = span
    body = []
    for value, text in ticks:
        body.append(f"<line x1='{start:.1f}' y1='{y_of(value):.1f}' x2='{end:.1f}' y2='{y_of(value):.1f}' "
                    f"stroke='{LINE}'/>")
        body.append(_text(start - 6, y_of(value) + FONT_SIZE * 0.35, text, fill=MUTED, anchor="end"))
    if pass_mark is not None:
        body.append(f"<line x1='{start:.1f}' y1='{y_of(pass_mark):.1f}' x2='{end:.1f}' "
                    f"y2='{y_of(pass_mark):.1f}' stroke='{GOLD}' stroke-dasharray='4 3'/>")
    return body


def _error_bars(xs: list[float], intervals: list[tuple[float | None, float | None]], y_of,
                scale: tuple[float, float]) -> list[str]:
    """Draw a capped vertical bar from each interval's low to its high, within the scale."""
    bars = []
    for x, (low, high) in zip(xs, intervals, strict=True):
        if low is None or high is None:
            continue
        top, bottom = y_of(min(high, scale[1])), y_of(max(low, scale[0]))
        bars.append(f"<path d='M{x:.1f},{top:.1f}V{bottom:.1f}M{x - 4:.1f},{top:.1f}h8M{x - 4:.1f},{bottom:.1f}h8' "
                    f"stroke='#9cb3cc' stroke-width='1.5' fill='none'/>")
    return bars


def stacked_chart(rows: list[tuple[str, list[int]]], colours: list[str], label: str, width: int = WIDTH) -> Markup:
    """Draw one horizontal bar per row, split into its parts (counts), scaled to the largest total."""
    largest = max((sum(parts) for _, parts in rows), default=0) or 1
    layout = _Rows([name for name, _ in rows], width, text_width(str(largest)) + GAP, 16)
    body = []
    for index, (name, parts) in enumerate(rows):
        y, x = layout.bar_y(index), layout.left
        body.append(layout.label(index, name))
        for count, colour in zip(parts, colours, strict=True):
            size = layout.span * count / largest
            body.append(f"<rect x='{x:.1f}' y='{y:.1f}' width='{size:.1f}' height='16' fill='{colour}'/>")
            x += size
        body.append(_text(x + 6, layout.baseline(index), str(sum(parts))))
    return _svg(width, max(1, len(rows)) * layout.height + 2, body, label)
