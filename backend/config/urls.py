"""Every app's URLs (each app owns its urls.py), the schema, log-in/out, admin and media."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from backend.config.login_throttle import login_rate_limited
from backend.config.media import media_serve

APPS = ["core", "catalog", "clips", "segments", "quality", "mining", "curation", "exports"]

urlpatterns = [
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    *[path("", include(f"backend.{app}.urls")) for app in APPS],
    path("accounts/login/", login_rate_limited(auth_views.LoginView.as_view()), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("media/<path:path>", media_serve, name="media"),
    # browsers ask for /favicon.ico on pages that name no icon (the admin's, a JSON answer): the app's icon, not a 404
    path("favicon.ico", lambda request: redirect(static("common/favicon.svg"), permanent=True), name="favicon"),
]
handler500 = "backend.config.middleware.server_error"  # an outage met outside a view still answers 503
