from django.contrib.admin.apps import AdminConfig


class ActionLoomAdminConfig(AdminConfig):
    """django.contrib.admin with ActionLoom's admin site (rate-limited log-in); listed in INSTALLED_APPS."""

    default_site = "backend.config.admin_site.ActionLoomAdminSite"
