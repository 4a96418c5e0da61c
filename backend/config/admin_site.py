"""The Django admin, with the same log-in rate limit as the site's own log-in form.

Installed as the default admin site by backend.config.apps.ActionLoomAdminConfig (Django's documented way to
override the default admin site), so every `admin.register` lands here.
"""

from django.contrib import admin

from backend.config.login_throttle import login_rate_limited


class ActionLoomAdminSite(admin.AdminSite):
    def login(self, request, extra_context=None):
        return login_rate_limited(super().login)(request, extra_context)
