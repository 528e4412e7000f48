from django.urls import path

from . import views

app_name = "dashboard"
urlpatterns = [
    path("", views.steering, name="steering"),
    path("taux-ouverture.csv", views.steering_csv, name="steering_csv"),
]
