"""What the curation commands share: --project and --class resolved, or a CommandError that says what exists."""

from __future__ import annotations

from django.core.management.base import CommandError

from backend.catalog.models import ActionClass, Project
from backend.catalog.services import IngestError, action_class_resolve, project_resolve


def project_arg(value: str | None) -> Project:
    """A project by id (``--project 3``) or by name; without one, the only project there is."""
    if value is not None and value.isdigit():
        project = Project.objects.filter(pk=int(value)).first()
        if project is None:
            raise CommandError(f"no project with id {value}")
        return project
    if value is None and not Project.objects.exists():
        raise CommandError("there is no project yet")
    try:
        return project_resolve(name=value)
    except IngestError as exc:
        raise CommandError(str(exc)) from None


def class_arg(name: str | None) -> ActionClass | None:
    if name is None:
        return None
    try:
        return action_class_resolve(name=name)
    except IngestError as exc:
        raise CommandError(str(exc)) from None
