"""Middleware of every page: response headers, and requests no page can use refused first."""

from django.conf import settings
from django.shortcuts import render

# A null byte is never typed on purpose, and PostgreSQL text cannot hold one: a view that reads
# a parameter without a form would fail on it.
NUL = "\x00"


class PermissionsPolicyMiddleware:
    """Sends settings.PERMISSIONS_POLICY: camera, microphone, geolocation... are off everywhere."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class RefuseNullBytesMiddleware:
    """Answer 400, in the person's language, to a query or form that holds a null byte."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._holds_nul(request.GET) or (
            request.method == "POST" and self._holds_nul(request.POST)
        ):
            return render(request, "core/bad_request.html", status=400)
        return self.get_response(request)

    @staticmethod
    def _holds_nul(data) -> bool:
        return any(
            NUL in key or any(NUL in value for value in values) for key, values in data.lists()
        )
