"""Every URL pattern of the URLconf, walked from the resolver (includes and namespaces followed),
so that a new view cannot escape the role × URL matrix."""

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name", as reverse() takes it
    route: str  # the full pattern, for messages
    keywords: tuple[str, ...]  # the URL keywords reverse() needs


def _walk(resolver, prefix: str, namespace: str):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            # An unnamed pattern keeps its namespace, so that the admin rule still sees it.
            name = f"{namespace}{entry.name or f'<unnamed {route}>'}"
            yield Route(name, route, tuple(entry.pattern.regex.groupindex))


def all_routes() -> list[Route]:
    """Every pattern once by name (admin's included: the matrix applies its own rule to them)."""
    seen = {}
    for route in _walk(get_resolver(), "", ""):
        seen.setdefault(route.name, route)
    return list(seen.values())
