from .agent_urls import urlpatterns as agent_urlpatterns
from .public_urls import urlpatterns as public_urlpatterns
from .setup_urls import urlpatterns as setup_urlpatterns
from .verification_urls import urlpatterns as verification_urlpatterns

app_name = "appointments"
urlpatterns = public_urlpatterns + agent_urlpatterns + setup_urlpatterns + verification_urlpatterns
