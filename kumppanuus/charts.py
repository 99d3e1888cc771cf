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
    plot_w = LINE_CHART_WIDTH - MARGIN["left"] - MARGIN["right"]
    plot_h = LINE_CHART_HEIGHT - MARGIN["top"] - MARGIN["bottom"]
    step = plot_w / max(len(points) - 1, 1)
    placed = [
        Point(
            label=str(label),
            value=value,
            x=round(MARGIN["left"] + index * step, 1),
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
