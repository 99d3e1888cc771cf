"""Server-rendered SVG charts: geometry only; templates draw them, a table repeats the data."""

from dataclasses import dataclass

BAR_CHART_WIDTH = 640
LABEL_WIDTH = 210
BAR_HEIGHT = 26
BAR_GAP = 10


@dataclass
class Bar:
    label: str
    value: int | float
    share: float | None
    colour: str
    y: int
    width: float
    text_x: float


def bar_chart(rows):
    """rows: (label, value, share 0–1, colour). Bars scale to the share."""
    plot_width = BAR_CHART_WIDTH - LABEL_WIDTH - 60
    bars = []
    for index, (label, value, share, colour) in enumerate(rows):
        width = max(plot_width * (share or 0), 1)
        bars.append(
            Bar(
                label=label,
                value=value,
                share=share,
                colour=colour,
                y=index * (BAR_HEIGHT + BAR_GAP),
                width=round(width, 1),
                text_x=round(LABEL_WIDTH + width + 6, 1),
            )
        )
    return {
        "bars": bars,
        "width": BAR_CHART_WIDTH,
        "height": max(len(bars) * (BAR_HEIGHT + BAR_GAP), BAR_HEIGHT),
        "label_width": LABEL_WIDTH,
        "bar_height": BAR_HEIGHT,
        "text_y_offset": BAR_HEIGHT // 2 + 5,
    }


LINE_CHART_WIDTH = 640
LINE_CHART_HEIGHT = 260
MARGIN = {"left": 48, "right": 20, "top": 20, "bottom": 36}


@dataclass
class Point:
    label: str
    value: float | None
    x: float
    y: float

    @property
    def label_y(self):
        return round(self.y - 10, 1)


def line_chart(points):
    """points: (label, share 0–1). The y axis runs 0–100 %."""
    inset = 30  # keeps the first and last point clear of the axis labels
    plot_w = LINE_CHART_WIDTH - MARGIN["left"] - MARGIN["right"] - 2 * inset
    plot_h = LINE_CHART_HEIGHT - MARGIN["top"] - MARGIN["bottom"]
    step = plot_w / max(len(points) - 1, 1)
    placed = [
        Point(
            label=str(label),
            value=value,
            x=round(MARGIN["left"] + inset + index * step, 1),
            y=round(MARGIN["top"] + plot_h * (1 - (value or 0)), 1),
        )
        for index, (label, value) in enumerate(points)
    ]
    return {
        "points": placed,
        "path": " ".join(f"{p.x},{p.y}" for p in placed if p.value is not None),
        "width": LINE_CHART_WIDTH,
        "height": LINE_CHART_HEIGHT,
        "grid": [
            {"y": round(MARGIN["top"] + plot_h * (1 - tick / 100), 1), "label": f"{tick}\u00a0%"}
            for tick in (0, 25, 50, 75, 100)
        ],
        "left": MARGIN["left"],
        "right": LINE_CHART_WIDTH - MARGIN["right"],
        "axis_y": LINE_CHART_HEIGHT - MARGIN["bottom"] + 20,
    }


DIVERGING_WIDTH = 640
DIVERGING_HEIGHT = 30


@dataclass
class Segment:
    label: str
    share: float
    colour: str
    x: float
    width: float


def diverging_bar(shares, colours):
    """shares: 1–5 and "en osaa sanoa" as 0–1, in scale order. Disagreement runs left of the
    centre line, agreement right, the neutral middle step straddles it; "en osaa sanoa" sits
    apart at the right end."""
    plot_width = DIVERGING_WIDTH * 0.8
    centre = DIVERGING_WIDTH * 0.4
    scale = plot_width / 2
    (l1, s1), (l2, s2), (l3, s3), (l4, s4), (l5, s5), (l6, s6) = shares
    start = centre - (s1 + s2 + s3 / 2) * scale
    segments = []
    x = start
    for (label, value), colour in zip(
        [(l1, s1), (l2, s2), (l3, s3), (l4, s4), (l5, s5)], colours, strict=False
    ):
        segments.append(Segment(label, value, colour, round(x, 1), round(value * scale, 1)))
        x += value * scale
    dont_know_width = s6 * scale * 0.5
    segments.append(
        Segment(
            l6,
            s6,
            colours[5],
            round(DIVERGING_WIDTH - dont_know_width, 1),
            round(dont_know_width, 1),
        )
    )
    return {
        "segments": segments,
        "width": DIVERGING_WIDTH,
        "height": DIVERGING_HEIGHT,
        "centre": round(centre, 1),
    }
