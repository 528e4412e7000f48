"""Per-address rate limits on the public pages, counted in Django's cache (Redis in production).

A fixed one-minute window per address: the first request of the window creates the counter
(`cache.add`, atomic), every request increments it (`cache.incr`, atomic in Redis), and beyond
the limit the person gets a 429 page telling them to wait a minute or to call the counter.
"""

import time
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.shortcuts import render

from .net import client_address

WINDOW_SECONDS = 60

# The settings holding each limit (requests per address and minute, see settings.py).
BOOKINGS = "RATE_LIMIT_BOOKINGS_PER_MINUTE"
SEARCHES = "RATE_LIMIT_SEARCHES_PER_MINUTE"
CALLBACKS = "RATE_LIMIT_CALLBACKS_PER_MINUTE"


def _window() -> int:
    """The number of the current window (patched by tests to stay inside one window)."""
    return int(time.time() // WINDOW_SECONDS)


def limit_of(limit: str) -> int:
    return getattr(settings, limit)


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
    response = render(request, "rate_limited.html", status=429)
    response["Retry-After"] = str(wait)
    return response


def rate_limit(
    scope: str,
    limit: str,
    *,
    methods: tuple[str, ...] | None = None,
    when: Callable[[HttpRequest], bool] | None = None,
):
    """Decorate a view: at most the setting's number of requests per address and minute.

    `methods` restricts the count to those HTTP methods (e.g. only the POST that books), and
    `when` to the requests it accepts (e.g. a search, not the empty form).
    """

    def counted(request) -> bool:
        return (methods is None or request.method in methods) and (when is None or when(request))

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if counted(request) and not hit(request, scope, limit_of(limit)):
                return too_many_requests(request)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
