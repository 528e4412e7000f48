"""Pieces of markup the pages draw the same way: the DSFR breadcrumb and table, a percentage."""

from django import template
from django.template.base import token_kwargs
from django.template.loader import get_template
from django.utils import formats
from django.utils.safestring import mark_safe

register = template.Library()

TABLE_OPTIONS = (
    "frame",
    "id",
    "testid",
    "caption_class",
    "extra_column",
    "extra_if",
    "empty",
    "page",
    "params",
)


@register.inclusion_tag("core/_breadcrumb.html")
def breadcrumb(*links, current=""):
    """A DSFR breadcrumb: `links` alternate a URL and its label; `current` names this page."""
    if len(links) % 2:
        raise template.TemplateSyntaxError("breadcrumb takes pairs of a URL and a label")
    return {"links": list(zip(links[::2], links[1::2], strict=True)), "current": current}


@register.inclusion_tag("core/_columns.html")
def columns(*labels):
    """The head of a DSFR table whose columns are named by `labels`, in order."""
    return {"labels": labels}


class TableNode(template.Node):
    """A DSFR table around the rows written between `table` and `endtable`."""

    def __init__(self, caption, labels, options, nodelist):
        self.caption = caption
        self.labels = labels
        self.options = options
        self.nodelist = nodelist

    def render(self, context):
        values = dict.fromkeys(TABLE_OPTIONS, "")
        values.update({name: value.resolve(context) for name, value in self.options.items()})
        return get_template("core/_table.html").render(
            {
                **values,
                "caption": self.caption.resolve(context),
                "labels": self._labels(context, values),
                # The engine rendered and escaped the rows.
                "rows": mark_safe(self.nodelist.render(context).strip()),
            }
        )

    def _labels(self, context, values):
        """The column heads, with `extra_column` last when `extra_if` holds (a column for managers)."""
        labels = [label.resolve(context) for label in self.labels]
        if values["extra_column"] and values["extra_if"]:
            labels.append(values["extra_column"])
        return labels


@register.tag
def table(parser, token):
    """`{% table caption label… frame=… id=… testid=… caption_class=… extra_column=… extra_if=… empty=… page=… params=… %}`

    The rows follow, up to `{% endtable %}`; `empty` is the text of the one row shown when there
    is none; `page` (with `params`, the other query parameters) adds the pagination below.
    """
    bits = token.split_contents()[1:]
    positional = []
    while bits and "=" not in bits[0]:
        positional.append(parser.compile_filter(bits.pop(0)))
    options = token_kwargs(bits, parser, support_legacy=False)
    if bits or not positional:
        raise template.TemplateSyntaxError("table takes a caption, column labels, then options")
    unknown = set(options) - set(TABLE_OPTIONS)
    if unknown:
        raise template.TemplateSyntaxError(f"table has no option {', '.join(sorted(unknown))}")
    nodelist = parser.parse(("endtable",))
    parser.delete_first_token()
    return TableNode(positional[0], positional[1:], options, nodelist)


@register.filter
def percent(value):
    """A percentage as the pages show it: "83,3 %", or "—" when there is none."""
    if value is None:
        return "—"
    return f"{formats.localize(value)} %"
