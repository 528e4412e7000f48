"""Per-IP rate limits on the public booking pages, counted in Django's cache (Redis in production).

A fixed one-minute window per address: the first request of the window creates the counter
(`cache.add`, atomic), every request increments it (`cache.incr`, atomic in Redis), and beyond
the limit the person gets a 429 page telling them to wait a minute or to call the counter.
"""

import ipaddress
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render

WINDOW_SECONDS = 60

# Limit names and their defaults (per address and minute); settings may override each one.
BOOKINGS = ("RATE_LIMIT_BOOKINGS_PER_MINUTE", 10)
SEARCHES = ("RATE_LIMIT_SEARCHES_PER_MINUTE", 60)


def _window() -> int:
    """The number of the current window (patched by tests to stay inside one window)."""
    return int(time.time() // WINDOW_SECONDS)


def client_address(request) -> str:
    """The address counted: the client's, an IPv6 address by its /64 (one subscriber's network).

    Behind TRUSTED_PROXY_COUNT reverse proxies, the client is the address the outermost of them
    saw: that many entries from the right of X-Forwarded-For (the rest can be forged).
    """
    raw = request.META.get("REMOTE_ADDR", "") or "unknown"
    hops = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    forwarded = [
        a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()
    ]
    if hops and len(forwarded) >= hops:
        raw = forwarded[-hops]
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw[:64]
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    return str(address)


def limit_of(limit: tuple[str, int]) -> int:
    name, default = limit
    return int(getattr(settings, name, default))


def hit(request, scope: str, limit: int) -> bool:
    """Count this request; True while the address stays within `limit` requests this minute."""
    key = f"ratelimit:{scope}:{client_address(request)}:{_window()}"
    cache.add(key, 0, timeout=WINDOW_SECONDS * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr: start again from this request
        cache.set(key, 1, timeout=WINDOW_SECONDS * 2)
        count = 1
    return count <= limit


def too_many_requests(request):
    """The French page of a refused request, with the seconds to wait in Retry-After."""
    wait = WINDOW_SECONDS - int(time.time()) % WINDOW_SECONDS
    response = render(request, "appointments/public/rate_limited.html", status=429)
    response["Retry-After"] = str(wait)
    return response


def rate_limit(scope: str, limit: tuple[str, int], *, methods: tuple[str, ...] | None = None):
    """Decorate a view: at most the setting's number of requests per address and minute.

    `methods` restricts the count to those HTTP methods (e.g. only the POST that books).
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if (methods is None or request.method in methods) and not hit(
                request, scope, limit_of(limit)
            ):
                return too_many_requests(request)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
