"""WSGI entry point (gunicorn continuite.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "continuite.settings")
application = get_wsgi_application()
