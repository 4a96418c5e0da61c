from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared plumbing under every domain app: tasks, faults, errors, media URLs, job status. Imports no app."""

    name = "backend.core"
    label = "core"
