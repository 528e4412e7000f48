from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from continuite.core.views import health

urlpatterns = [
    path("", include("continuite.service_points.urls")),
    path("compte/", include("continuite.accounts.urls")),
    path("compte/proconnect/", include("mozilla_django_oidc.urls")),
    path("", include("continuite.appointments.urls")),
    path("", include("continuite.protocol.urls")),
    path("", include("continuite.cases.urls")),
    path("", include("continuite.outreach.urls")),
    path("pilotage/dossiers/", include("continuite.cases.steering_urls")),
    path("pilotage/", include("continuite.dashboard.urls")),
    path("notifications/", include("continuite.notifications.urls")),
    path("langue/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("sante/", health, name="health"),
]
