"""Pieces of markup every staff page draws the same way (DSFR breadcrumb)."""

from django import template

register = template.Library()


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
