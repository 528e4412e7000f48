"""Celery application: Redis broker from REDIS_URL; eager execution only when no broker is set."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "continuite.settings")

app = Celery("continuite")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
