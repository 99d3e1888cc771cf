"""Server-rendered SVG charts: geometry only; templates draw them, a table repeats the data.

Sizing rule: an SVG scales with its box, and so does its text. Every chart here is drawn in a
viewBox WIDTH units wide and shown at most that many CSS pixels wide; on a 390 px phone the
narrowest box it gets is about PHONE_WIDTH px (inside a card). FONT is chosen so that
FONT * PHONE_WIDTH / WIDTH >= 12 px: labels never shrink below 12 px.
"""

from dataclasses import dataclass

from django.utils.translation import gettext

WIDTH = 480
PHONE_WIDTH = 320
FONT = 18
SMALL_FONT = 18
assert FONT * PHONE_WIDTH / WIDTH >= 12


def percent_label(value):
    return "–" if value is None else f"{round(value * 100)}\u00a0%"


# --- Horizontal bars: one per status level, label above its bar --------------------------

BAR_HEIGHT = 24
LABEL_GAP = 6
ROW_GAP = 14
VALUE_ROOM = 110  # "18 (62 %)" after the longest bar


@dataclass
class Bar:
    label: str
    value: int | float
    share: float | None
    colour: str
    label_y: float
    y: float
    width: float
    text_x: float
    text_y: float

    @property
    def value_text(self):
        return f"{self.value} ({percent_label(self.share)})"


def bar_chart(rows):
    """rows: (label, value, share 0–1, colour). Bars scale to the share; each label sits on
    its own line above the bar so long labels in any language fit on a phone."""
    plot_width = WIDTH - VALUE_ROOM
    row_height = FONT + LABEL_GAP + BAR_HEIGHT + ROW_GAP
    bars = []
    for index, (label, value, share, colour) in enumerate(rows):
        top = index * row_height
        width = max(plot_width * (share or 0), 1)
        bar_y = top + FONT + LABEL_GAP
        bars.append(
            Bar(
                label=label,
                value=value,
                share=share,
                colour=colour,
                label_y=top + FONT - 3,
                y=bar_y,
                width=round(width, 1),
                text_x=round(width + 8, 1),
                text_y=bar_y + BAR_HEIGHT / 2 + FONT / 3,
            )
        )
    return {
        "bars": bars,
        "width": WIDTH,
        "height": max(len(bars) * row_height - ROW_GAP + 2, BAR_HEIGHT),
        "bar_height": BAR_HEIGHT,
        "font": FONT,
    }


# --- Line over years: x proportional to the year, gaps drawn dashed ------------------------

LINE_HEIGHT = 280
MARGIN = {"left": 62, "right": 28, "top": 34, "bottom": 40}


@dataclass
class Point:
    label: str
    value: float | None
    x: float
    y: float

    @property
    def label_y(self):
        return round(self.y - 12, 1)

    @property
    def value_text(self):
        return percent_label(self.value)


@dataclass
class LineSegment:
    x1: float
    y1: float
    x2: float
    y2: float
    gap: bool  # years without data between the two points


def line_chart(points):
    """points: (year, share 0–1 or None). The x axis is proportional to the years, so 2015 →
    2018 is three times as long as 2018 → 2019, and a segment across missing years is dashed.
    The y axis runs 0–100 %."""
    points = [(int(year), value) for year, value in points]
    plot_w = WIDTH - MARGIN["left"] - MARGIN["right"]
    plot_h = LINE_HEIGHT - MARGIN["top"] - MARGIN["bottom"]
    years = [year for year, _value in points]
    first, last = (min(years), max(years)) if years else (0, 0)
    span = max(last - first, 1)
    inset = 18

    def x_of(year):
        if first == last:
            return round(MARGIN["left"] + plot_w / 2, 1)
        return round(MARGIN["left"] + inset + (plot_w - 2 * inset) * (year - first) / span, 1)

    placed = [
        Point(
            label=str(year),
            value=value,
            x=x_of(year),
            y=round(MARGIN["top"] + plot_h * (1 - (value or 0)), 1),
        )
        for year, value in points
    ]
    drawn = [p for p in placed if p.value is not None]
    segments = [
        LineSegment(a.x, a.y, b.x, b.y, gap=int(b.label) - int(a.label) > 1)
        for a, b in zip(drawn, drawn[1:], strict=False)
    ]
    # Year ticks: every year in the span gets a tick mark; only years with data get a label.
    ticks = [x_of(year) for year in range(first, last + 1)] if years else []
    return {
        "points": placed,
        "segments": segments,
        "ticks": ticks,
        "width": WIDTH,
        "height": LINE_HEIGHT,
        "font": FONT,
        "grid": [
            {"y": round(MARGIN["top"] + plot_h * (1 - tick / 100), 1), "label": f"{tick}\u00a0%"}
            for tick in (0, 50, 100)
        ],
        "left": MARGIN["left"],
        "right": WIDTH - MARGIN["right"],
        "baseline": LINE_HEIGHT - MARGIN["bottom"],
        "axis_y": LINE_HEIGHT - MARGIN["bottom"] + FONT + 6,
    }


def trend_sentence(points):
    """A sentence that reads the trend out, naming the years without a survey."""
    drawn = [(int(year), value) for year, value in points if value is not None]
    if not drawn:
        return ""
    (first_year, first_value), (last_year, last_value) = drawn[0], drawn[-1]
    if len(drawn) == 1:
        return gettext("Vuonna %(year)s samaa mieltä oli %(value)s vastaajista.") % {
            "year": first_year,
            "value": percent_label(first_value),
        }
    sentence = gettext(
        "Samaa mieltä olleiden osuus oli %(first)s vuonna %(first_year)s ja %(last)s vuonna "
        "%(last_year)s."
    ) % {
        "first": percent_label(first_value),
        "first_year": first_year,
        "last": percent_label(last_value),
        "last_year": last_year,
    }
    years = {year for year, _value in drawn}
    missing = [year for year in range(first_year, last_year + 1) if year not in years]
    if missing:
        sentence += " " + gettext("Kyselyä ei tehty vuosina %(years)s.") % {
            "years": ", ".join(str(year) for year in missing)
        }
    return sentence


# --- Diverging bar: disagreement left, agreement right, with a scale ----------------------

DIVERGING_HEIGHT = 150
DIVERGING_BAR_Y = 30
DIVERGING_BAR_H = 36


@dataclass
class Segment:
    label: str
    share: float
    colour: str
    x: float
    width: float
    text_colour: str = "#1a2733"

    @property
    def text_x(self):
        return round(self.x + self.width / 2, 1)

    @property
    def value_text(self):
        return percent_label(self.share)

    @property
    def labelled(self):
        return self.width >= 44  # room for "88 %" at the chart's font size


def diverging_bar(shares, colours):
    """shares: 1–5 and "en osaa sanoa" as 0–1, in scale order. Disagreement runs left of the
    centre line, agreement right, the neutral middle step straddles it; "en osaa sanoa" sits
    apart at the right end. A scale from 100 % to 100 % runs under the bar."""
    left, right = 16, WIDTH - 96  # the last 80 units hold "en osaa sanoa"
    centre = (left + right) / 2
    scale = (right - left) / 2
    (l1, s1), (l2, s2), (l3, s3), (l4, s4), (l5, s5), (l6, s6) = shares
    x = centre - (s1 + s2 + s3 / 2) * scale
    segments = []
    for index, ((label, value), colour) in enumerate(
        zip([(l1, s1), (l2, s2), (l3, s3), (l4, s4), (l5, s5)], colours, strict=False)
    ):
        text_colour = "#ffffff" if index in (0, 4) else "#1a2733"
        segments.append(
            Segment(label, value, colour, round(x, 1), round(value * scale, 1), text_colour)
        )
        x += value * scale
    dont_know_x = WIDTH - 80
    segments.append(Segment(l6, s6, colours[5], dont_know_x, round(80 * min(s6 * 4, 1), 1)))
    ticks = [
        {"x": round(centre + step * scale / 100, 1), "label": f"{abs(step)}\u00a0%"}
        for step in (-100, -50, 0, 50, 100)
    ]
    axis_y = DIVERGING_BAR_Y + DIVERGING_BAR_H + 10
    return {
        "segments": segments,
        "width": WIDTH,
        "height": DIVERGING_HEIGHT,
        "centre": round(centre, 1),
        "left": left,
        "right": right,
        "bar_y": DIVERGING_BAR_Y,
        "bar_h": DIVERGING_BAR_H,
        "text_y": DIVERGING_BAR_Y + DIVERGING_BAR_H / 2 + FONT / 3,
        "axis_y": axis_y,
        "tick_label_y": axis_y + FONT + 6,
        "caption_y": axis_y + 2 * FONT + 20,
        "ticks": ticks,
        "dont_know_x": dont_know_x,
        "dont_know_text": percent_label(s6),
        "font": FONT,
    }


# --- Shares per level across rounds: one 100 % bar per year --------------------------------

STACK_BAR_H = 34
STACK_ROW_GAP = 16
YEAR_ROOM = 64


@dataclass
class StackRow:
    year: int
    y: float
    text_y: float
    segments: list


def stacked_years(rows):
    """rows: (year, [(label, count, share, colour), …]) oldest first. Each year is one bar
    whose parts are the shares per level, lowest level at the left."""
    plot_w = WIDTH - YEAR_ROOM - 8
    placed = []
    for index, (year, parts) in enumerate(rows):
        y = index * (STACK_BAR_H + STACK_ROW_GAP)
        x = YEAR_ROOM
        segments = []
        for label, _count, share, colour in parts:
            width = round(plot_w * (share or 0), 1)
            segments.append(
                Segment(label, share or 0, colour, round(x, 1), width, _text_on(colour))
            )
            x += width
        placed.append(StackRow(year, y, y + STACK_BAR_H / 2 + FONT / 3, segments))
    return {
        "rows": placed,
        "width": WIDTH,
        "height": max(len(placed) * (STACK_BAR_H + STACK_ROW_GAP) - STACK_ROW_GAP, STACK_BAR_H) + 2,
        "bar_h": STACK_BAR_H,
        "font": FONT,
        "year_x": YEAR_ROOM - 10,
    }


def _text_on(colour):
    """Black or white text, whichever contrasts more with a #rrggbb fill."""
    try:
        r, g, b = (int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4))
    except ValueError:
        return "#1a2733"

    def linear(c):
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
    return "#1a2733" if (luminance + 0.05) / 0.0626 >= 1.05 / (luminance + 0.05) else "#ffffff"
