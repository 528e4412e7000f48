"""Endpoints called by message providers (delivery receipts)."""

from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("accuses/sms/", views.sms_receipt, name="sms_receipt"),
]
