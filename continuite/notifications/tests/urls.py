"""The project's URLs plus the notifications endpoints, until they are wired in continuite/urls.py."""

from django.urls import include, path

from continuite.urls import urlpatterns as project_urlpatterns

wired = any(
    getattr(pattern, "namespace", None) == "notifications" for pattern in project_urlpatterns
)
urlpatterns = [*project_urlpatterns]
if not wired:
    urlpatterns.append(path("notifications/", include("continuite.notifications.urls")))
