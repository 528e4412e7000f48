"""Continuité: keep public services open and reachable during a crisis."""

from .celery import app as celery_app

__all__ = ["celery_app"]
