from django.contrib.admin.apps import AdminConfig
from django.core.checks import Tags, register


class ActionLoomAdminConfig(AdminConfig):
    """django.contrib.admin with ActionLoom's admin site (rate-limited log-in); listed in INSTALLED_APPS.

    Also registers the deployment checks of backend/config/checks.py (config has no app of its own).
    """

    default_site = "backend.config.admin_site.ActionLoomAdminSite"

    def ready(self) -> None:
        super().ready()
        from backend.config.checks import check_secret_key_is_not_the_development_key

        register(check_secret_key_is_not_the_development_key, Tags.security, deploy=True)
