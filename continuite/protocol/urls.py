from .checklist_urls import urlpatterns as checklist_urlpatterns
from .closure_urls import urlpatterns as closure_urlpatterns

app_name = "protocol"
urlpatterns = checklist_urlpatterns + closure_urlpatterns
