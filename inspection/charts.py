"""Small server-side SVG charts, the same in HTML pages and in PDFs (no chart library)."""

from __future__ import annotations

from markupsafe import Markup, escape

INK, MUTED, LINE, BRAND, OK, BAD, GOLD = "#1d2733", "#66717f", "#dde3ea", "#0b6bcb", "#1e7d32", "#c62828", "#b07d00"
FONT = "font-family='Noto Sans CJK SC, sans-serif'"


def _svg(width: int, height: int, body: list[str], label: str) -> Markup:
    return Markup(
        f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width} {height}' width='{width}' "
        f"height='{height}' role='img' aria-label='{escape(label)}' {FONT}>{''.join(body)}</svg>"
    )


def bar_chart(rows: list[tuple[str, float | None]], label: str, pass_mark: float | None = None,
              width: int = 520) -> Markup:
    """Draw horizontal bars of scores 0..100, one row each; a dashed line marks the pass mark."""
    row_height, left, right = 24, 150, 50
    span = width - left - right
    body = []
    for index, (name, value) in enumerate(rows):
        y = index * row_height
        body.append(f"<text x='{left - 8}' y='{y + 16}' font-size='12' text-anchor='end' fill='{INK}'>"
                    f"{escape(_clip(name, 16))}</text>")
        body.append(f"<rect x='{left}' y='{y + 5}' width='{span}' height='14' fill='#eef2f7'/>")
        if value is not None:
            colour = OK if pass_mark is None or value >= pass_mark else BAD
            body.append(f"<rect x='{left}' y='{y + 5}' width='{span * value / 100:.1f}' height='14' fill='{colour}'/>")
        body.append(f"<text x='{left + span + 6}' y='{y + 16}' font-size='12' fill='{INK}'>"
                    f"{'—' if value is None else f'{value:.1f}'}</text>")
    if pass_mark is not None:
        x = left + span * pass_mark / 100
        body.append(f"<line x1='{x:.1f}' y1='0' x2='{x:.1f}' y2='{len(rows) * row_height}' "
                    f"stroke='{MUTED}' stroke-dasharray='3 3'/>")
    return _svg(width, max(1, len(rows)) * row_height + 4, body, label)


def servqual_chart(dimensions: list[tuple[str, float | None, float | None]], label: str,
                   width: int = 520) -> Markup:
    """Draw expectation and perception (1..7) side by side for each dimension."""
    row_height, left, right = 34, 110, 70
    span = width - left - right
    body = []
    for index, (name, expectation, perception) in enumerate(dimensions):
        y = index * row_height
        body.append(f"<text x='{left - 8}' y='{y + 20}' font-size='12' text-anchor='end' fill='{INK}'>"
                    f"{escape(name)}</text>")
        for offset, value, colour in ((4, expectation, "#9cb3cc"), (17, perception, BRAND)):
            if value is not None:
                body.append(f"<rect x='{left}' y='{y + offset}' width='{span * (value - 1) / 6:.1f}' "
                            f"height='11' fill='{colour}'/>")
        if expectation is not None and perception is not None:
            gap = perception - expectation
            colour = BAD if gap < 0 else OK
            body.append(f"<text x='{left + span + 6}' y='{y + 20}' font-size='12' fill='{colour}'>"
                        f"{gap:+.2f}</text>")
    height = max(1, len(dimensions)) * row_height
    legend_y = height + 14
    body.append(f"<rect x='{left}' y='{legend_y - 9}' width='10' height='10' fill='#9cb3cc'/>"
                f"<text x='{left + 14}' y='{legend_y}' font-size='11' fill='{MUTED}'>expectation 期望</text>"
                f"<rect x='{left + 130}' y='{legend_y - 9}' width='10' height='10' fill='{BRAND}'/>"
                f"<text x='{left + 144}' y='{legend_y}' font-size='11' fill='{MUTED}'>perception 感受</text>")
    return _svg(width, height + 22, body, label)


def trend_chart(points: list[tuple[str, float | None]], label: str, width: int = 520,
                height: int = 160, pass_mark: float | None = None,
                scale: tuple[float, float] = (0, 100)) -> Markup:
    """Draw a line of values (scores 0..100 unless told) over periods, with the period labels below."""
    left, right, top, bottom = 34, 24, 10, 24
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(1, len(points) - 1)
    low, high = scale

    def y_of(value: float) -> float:
        return top + plot_h * (1 - (value - low) / (high - low))

    body = [f"<line x1='{left}' y1='{y_of(v):.1f}' x2='{width - right}' y2='{y_of(v):.1f}' stroke='{LINE}'/>"
            f"<text x='{left - 4}' y='{y_of(v) + 4:.1f}' font-size='10' text-anchor='end' fill='{MUTED}'>{v:g}</text>"
            for v in (low, (low + high) / 2, high)]
    if pass_mark is not None:
        body.append(f"<line x1='{left}' y1='{y_of(pass_mark):.1f}' x2='{width - right}' y2='{y_of(pass_mark):.1f}' "
                    f"stroke='{GOLD}' stroke-dasharray='4 3'/>")
    coords = [(left + i * step, y_of(v)) for i, (_, v) in enumerate(points) if v is not None]
    if len(coords) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        body.append(f"<polyline points='{path}' fill='none' stroke='{BRAND}' stroke-width='2'/>")
    body += [f"<circle cx='{x:.1f}' cy='{y:.1f}' r='3' fill='{BRAND}'/>" for x, y in coords]
    body += [f"<text x='{left + i * step:.1f}' y='{height - 6}' font-size='10' text-anchor='middle' "
             f"fill='{MUTED}'>{escape(name)}</text>" for i, (name, _) in enumerate(points)]
    return _svg(width, height, body, label)


def _clip(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def stacked_chart(rows: list[tuple[str, list[int]]], colours: list[str], label: str, width: int = 520) -> Markup:
    """Draw one horizontal bar per row, split into its parts (counts), scaled to the largest total."""
    row_height, left, right = 24, 150, 50
    span = width - left - right
    largest = max((sum(parts) for _, parts in rows), default=0) or 1
    body = []
    for index, (name, parts) in enumerate(rows):
        y, x = index * row_height, float(left)
        body.append(f"<text x='{left - 8}' y='{y + 16}' font-size='12' text-anchor='end' fill='{INK}'>"
                    f"{escape(_clip(name, 16))}</text>")
        for count, colour in zip(parts, colours, strict=True):
            size = span * count / largest
            body.append(f"<rect x='{x:.1f}' y='{y + 5}' width='{size:.1f}' height='14' fill='{colour}'/>")
            x += size
        body.append(f"<text x='{x + 6:.1f}' y='{y + 16}' font-size='12' fill='{INK}'>{sum(parts)}</text>")
    return _svg(width, max(1, len(rows)) * row_height + 4, body, label)
