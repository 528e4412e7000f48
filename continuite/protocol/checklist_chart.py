"""A server-side SVG bar chart of the share of compliant service points, one bar per group."""

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from .checklist import Compliance

WIDTH = 640
LABEL_WIDTH = 230
BAR_WIDTH = 320
ROW_HEIGHT = 22
BAR_HEIGHT = 14
TOP = 4
BAR_COLOR = "#000091"  # DSFR blue-france-sun-113
TRACK_COLOR = "#e5e5e5"  # DSFR grey-925


def _value_text(group: Compliance) -> str:
    if group.share_compliant is None:
        return gettext("no assessment")
    return f"{number_format(group.percent_compliant, 1)} %"


def compliance_bars_svg(groups: list[Compliance], *, title: str) -> SafeString:
    """Horizontal bars, lowest share first; groups with no assessment at the end.

    Each bar is labelled with its value in text, so the colour carries no information on its
    own; the page gives the same figures in a table for screen readers.
    """
    ordered = sorted(
        groups,
        key=lambda g: (g.share_compliant is None, g.share_compliant or 0, g.label),
    )
    height = TOP * 2 + ROW_HEIGHT * max(len(ordered), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" role="img" aria-labelledby="compliance-chart-title" '
        f'font-family="Marianne, arial, sans-serif" font-size="12">',
        f'<title id="compliance-chart-title">{escape(title)}</title>',
    ]
    for index, group in enumerate(ordered):
        y = TOP + index * ROW_HEIGHT
        bar_y = y + (ROW_HEIGHT - BAR_HEIGHT) / 2
        text_y = y + ROW_HEIGHT / 2 + 4
        filled = round(BAR_WIDTH * (group.share_compliant or 0), 1)
        value = _value_text(group)
        label = group.label if len(group.label) <= 34 else group.label[:33] + "…"
        parts.append(
            f"<g><title>{escape(group.label)}: {escape(value)}</title>"
            f'<text x="{LABEL_WIDTH - 8}" y="{text_y}" text-anchor="end" fill="#161616">'
            f"{escape(label)}</text>"
            f'<rect x="{LABEL_WIDTH}" y="{bar_y}" width="{BAR_WIDTH}" height="{BAR_HEIGHT}" '
            f'fill="{TRACK_COLOR}"/>'
            f'<rect x="{LABEL_WIDTH}" y="{bar_y}" width="{filled}" height="{BAR_HEIGHT}" '
            f'fill="{BAR_COLOR}"/>'
            f'<text x="{LABEL_WIDTH + BAR_WIDTH + 8}" y="{text_y}" fill="#161616">'
            f"{escape(value)}</text></g>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
