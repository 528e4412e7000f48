"""The bar chart of the share of compliant service points, one bar per group (core.charts)."""

from django.utils.formats import number_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from continuite.core.charts import Bar, Layout, bars_svg

from .checklist import Compliance

LAYOUT = Layout(
    label_width=230,
    bar_width=320,
    value_width=90,
    row_height=22,
    bar_height=14,
    top=4,
    label_limit=34,
    track=True,
)


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
    return bars_svg(
        [Bar(g.label, g.share_compliant or 0, _value_text(g)) for g in ordered],
        title=title,
        layout=LAYOUT,
    )
