"""System checks of the deployment settings (`manage.py check --deploy`), registered by backend.config.apps.

Imported by settings.py for its constants, so it registers nothing on import.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error

# The key committed in settings.py for development. Anyone can read it, so sessions, password-reset links and
# signed values made with it can be forged: settings refuse it whenever DEBUG is off (settings.py), and this check
# names it when `check --deploy` runs with DEBUG on.
DEV_SECRET_KEY = "insecure-dev-key-change-me-in-production-actionloom-0123456789"
GENERATE_KEY = "python -c 'import secrets; print(secrets.token_urlsafe(50))'"


def check_secret_key_is_not_the_development_key(app_configs, **kwargs) -> list[Error]:
    if getattr(settings, "SECRET_KEY", None) != DEV_SECRET_KEY:
        return []
    return [
        Error(
            "SECRET_KEY is the development key committed in backend/config/settings.py.",
            hint=f"Set DJANGO_SECRET_KEY to 50+ random characters, e.g. {GENERATE_KEY}",
            id="actionloom.E001",
        )
    ]
