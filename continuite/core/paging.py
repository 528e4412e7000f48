"""A list shown page by page, with links that keep the list's filters."""

from django.core.paginator import Page, Paginator


def paginated(request, rows, per_page: int) -> tuple[Page, str]:
    """The page of `rows` the request asks for (the first one if it names none or a bad one),
    and the request's other parameters, encoded for the links to the other pages."""
    page = Paginator(rows, per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()
