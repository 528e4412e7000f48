"""Brand and site identity for every page (a setting, so a town hall can show its own name)."""

from django.conf import settings


def site(request):
    return {
        "SITE_CONFIG": {
            "site_title": settings.SITE_TITLE,
            "site_tagline": settings.SITE_TAGLINE,
            "brand_name": settings.BRAND_NAME,
            "brand_state": settings.BRAND_STATE,
            "mourning": False,
            "beta_tag": settings.DEMO_MODE,
        },
        "DEMO_MODE": settings.DEMO_MODE,
    }
