"""URL patterns of this part of the appointments app."""

urlpatterns = []
