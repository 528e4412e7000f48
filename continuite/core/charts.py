"""The one bar-chart renderer: horizontal bars drawn on the server as SVG.

Each bar's value is written as text beside it (and in a tooltip), so the chart reads without
colour, without JavaScript and aloud; the pages give the same figures in a table.
"""

from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

BAR_COLOR = "#000091"  # DSFR blue-france-sun-113
TRACK_COLOR = "#e5e5e5"  # DSFR grey-925
TEXT_COLOR = "#161616"  # DSFR grey-50
GAP = 8


@dataclass(frozen=True)
class Bar:
    """One row: its label, its length as a share of the full bar (0 to 1), its value in words."""

    label: str
    share: float
    text: str


@dataclass(frozen=True)
class Layout:
    """The chart's geometry; with a track, each bar is drawn on a grey full-length track and its
    value written after the track (a share of 100 %), else right after the bar."""

    label_width: int
    bar_width: int
    value_width: int
    row_height: int
    bar_height: int
    top: int = 0
    label_limit: int = 32
    track: bool = False

    @property
    def width(self) -> int:
        return self.label_width + self.bar_width + self.value_width


def bars_svg(bars: list[Bar], *, title: str, layout: Layout) -> SafeString:
    """Horizontal bars in the order given; an empty string when there is none."""
    if not bars:
        return SafeString("")
    height = layout.top * 2 + layout.row_height * len(bars)
    rows = format_html_join(
        "", "{}", ((_row(index, bar, layout),) for index, bar in enumerate(bars))
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="continuite-chart" viewBox="0 0 {} {}"'
        ' width="100%" style="max-width: {}px" role="img" aria-label="{}"'
        ' font-family="Marianne, arial, sans-serif" font-size="12"><title>{}</title>{}</svg>',
        layout.width,
        height,
        layout.width,
        title,
        title,
        rows,
    )


def _row(index: int, bar: Bar, layout: Layout) -> SafeString:
    y = layout.top + index * layout.row_height
    bar_y = y + (layout.row_height - layout.bar_height) / 2
    text_y = y + layout.row_height / 2 + 4
    filled = round(layout.bar_width * min(max(float(bar.share), 0.0), 1.0), 1)
    track = (
        format_html(
            '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>',
            layout.label_width,
            bar_y,
            layout.bar_width,
            layout.bar_height,
            TRACK_COLOR,
        )
        if layout.track
        else ""
    )
    value_x = layout.label_width + (layout.bar_width if layout.track else filled) + GAP
    return format_html(
        '<g><title>{}: {}</title><text x="{}" y="{}" text-anchor="end" fill="{}">{}</text>{}'
        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>'
        '<text x="{}" y="{}" fill="{}">{}</text></g>',
        bar.label,
        bar.text,
        layout.label_width - GAP,
        text_y,
        TEXT_COLOR,
        _shorten(bar.label, layout.label_limit),
        track,
        layout.label_width,
        bar_y,
        filled,
        layout.bar_height,
        BAR_COLOR,
        value_x,
        text_y,
        TEXT_COLOR,
        bar.text,
    )


def _shorten(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
