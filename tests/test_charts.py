"""Charts stay readable on a phone: every text at least 12 px where a 390 px phone draws them, and within the chart."""

from __future__ import annotations

import re

import pytest

from inspection import charts

TEXT = re.compile(r"<text x='([-\d.]+)' y='([-\d.]+)' font-size='([\d.]+)' text-anchor='(\w+)'[^>]*>([^<]*)</text>")
VIEWBOX = re.compile(r"viewBox='0 0 (\d+) (\d+)'")
MONTHS = [(f"2026-{month:02d}", 40.0 + 4 * month) for month in range(1, 13)]
SECTIONS = [("营业厅环境", 92.5), ("服务礼仪与规范用语", 61.0), ("业务办理", None),
            ("Complaint handling and follow-up", 48.0)]
DIMENSIONS = [("Reliability", 5.8, 5.1), ("Responsiveness", 6.0, 4.2), ("有形性", 5.0, 5.5), ("移情性", None, 4.0)]

CHARTS = {
    "bar": lambda: charts.bar_chart(SECTIONS, "sections", pass_mark=60),
    "bar, short labels": lambda: charts.bar_chart([("可靠性", 80.0), ("响应性", 70.0)], "dimensions"),
    "servqual": lambda: charts.servqual_chart(DIMENSIONS, "servqual", ("expectation", "perception")),
    "trend, a year": lambda: charts.trend_chart(MONTHS, "trend", pass_mark=70),
    "trend, three months": lambda: charts.trend_chart(MONTHS[:3], "trend"),
    "trend, one month": lambda: charts.trend_chart(MONTHS[:1], "trend"),
    "trend, intervals": lambda: charts.trend_chart(MONTHS[:3], "trend", intervals=[(30.0, 60.0), (None, None),
                                                                                   (-40.0, 150.0)]),
    "trend, gap scale": lambda: charts.trend_chart([(m, -0.8) for m, _ in MONTHS], "gap", scale=(-3, 3)),
    "stacked": lambda: charts.stacked_chart([("上海人民广场营业厅", [3, 1, 2, 4]), ("W1", [10, 0, 0, 0])],
                                            ["#1e7d32", "#b07d00", "#c62828", "#dde3ea"], "coverage"),
}


def _texts(svg: str):
    width, height = map(int, VIEWBOX.search(svg).groups())
    texts = [(float(x), float(y), float(size), anchor, content) for x, y, size, anchor, content in TEXT.findall(svg)]
    return width, height, texts


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_every_text_is_readable_on_a_phone_and_inside_the_chart(name):
    width, height, texts = _texts(str(CHARTS[name]()))
    assert texts
    for x, y, size, anchor, content in texts:
        assert size * charts.PHONE_WIDTH / width >= charts.MIN_READABLE, (name, content, size)
        drawn = charts.text_width(content.replace("&amp;", "&"), size)
        start = {"start": x, "middle": x - drawn / 2, "end": x - drawn}[anchor]
        assert -0.5 <= start and start + drawn <= width + 0.5, (name, content, start, drawn, width)
        assert size * 0.8 <= y <= height, (name, content, y, height)


def test_the_period_labels_of_a_long_trend_are_thinned_out_not_overlapped():
    _, _, texts = _texts(str(charts.trend_chart(MONTHS, "trend")))
    below = sorted((x, content) for x, _y, _s, anchor, content in texts if anchor == "middle")
    assert below[-1][1] == "2026-12" and 3 <= len(below) < 12
    for (x1, first), (x2, _) in zip(below, below[1:], strict=False):
        assert x2 - x1 >= charts.text_width(first), below


def test_a_label_too_long_for_its_row_is_shortened():
    svg = str(charts.bar_chart([("每一位顾客进门五秒之内必须得到员工的主动问候并引导取号排队等候服务", 50.0)], "x"))
    label = _texts(svg)[2][0][4]
    assert label.endswith("…") and charts.text_width(label) <= charts.WIDTH
    assert charts.fit("短标签", 100) == "短标签"


def test_user_text_is_escaped():
    svg = str(charts.bar_chart([("<script>alert(1)</script>", 10.0)], "<b>label</b>"))
    assert "<script>" not in svg and "<b>" not in svg


def test_a_trends_intervals_are_error_bars_within_the_plot():
    # 2026-01 has 30–60, 2026-02 none (too few visits), 2026-03 beyond the scale on both sides: clipped to 0–100.
    svg = str(charts.trend_chart(MONTHS[:3], "trend", intervals=[(30.0, 60.0), (None, None), (-40.0, 150.0)]))
    bars = re.findall(r"<path d='M([\d.]+),([\d.]+)V([\d.]+)", svg)
    assert len(bars) == 2
    zero, hundred = (float(y) for y in re.findall(r"<line x1='[\d.]+' y1='([\d.]+)'", svg)[::2])
    (_, top, bottom), (_, clipped_top, clipped_bottom) = [tuple(map(float, bar)) for bar in bars]
    assert (clipped_top, clipped_bottom) == (pytest.approx(hundred), pytest.approx(zero))
    assert bottom - top == pytest.approx(0.3 * (zero - hundred), abs=0.15)
    assert "<path" not in str(charts.trend_chart(MONTHS[:3], "trend"))
