"""Who may work on which class: the one owner of that rule for every tool (grid, timeline, trim, guideline).

An annotator works on a class when an annotator group of the class's project holds both (HACS: the same group
labels a class); gets no new work in a class until its new clarifications are acknowledged; and, where the project
asks for it, none until they pass the class's qualification (`catalog.qualification`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction

from backend.catalog.models import ActionClass, AnnotatorGroup, Clarification, ClarificationAck, Project
from backend.catalog.qualification import annotator_qualified
from backend.core.errors import ApplicationError


class QueueError(ApplicationError):
    """A request for work that cannot be served: not your class (forbidden), clarifications to read first
    (clarification), the class's qualification to pass first (qualification), nothing waiting (empty), no such page or task (not_found), bad input (invalid). Shared by every
    tool's queue (clips, segments, trim); its code gives the HTTP status."""


@dataclass(frozen=True)
class AnnotatorClass:
    project: Project
    action_class: ActionClass
    qualified: bool = True  # False: the project asks for a qualification the user has not passed (no real work yet)


def annotator_classes(user) -> list[AnnotatorClass]:
    """Every (project, class) the user's annotator groups hold, by project then class name: the user's queues, each
    saying whether the user may have real work of it yet (qualified) or must qualify first."""
    out = []
    for group in AnnotatorGroup.objects.filter(members=user).select_related("project").order_by("project_id", "pk"):
        for action_class in group.classes.order_by("name"):
            qualified = annotator_qualified(user=user, project=group.project, action_class=action_class)
            out.append(AnnotatorClass(project=group.project, action_class=action_class, qualified=qualified))
    return out


def annotator_can_label(*, user, action_class: ActionClass, project: Project | None = None) -> bool:
    """In an annotator group holding the class (of `project`, when given)."""
    groups = AnnotatorGroup.objects.filter(members=user, classes=action_class)
    if project is not None:
        groups = groups.filter(project=project)
    return groups.exists()


def check_class_access(
    *, user, action_class: ActionClass, project: Project | None = None, staff_ok: bool = False
) -> None:
    """Raise QueueError (forbidden) unless the user labels this class (or is staff, where `staff_ok`)."""
    if staff_ok and user.is_staff:
        return
    if not annotator_can_label(user=user, action_class=action_class, project=project):
        raise QueueError(f"you are not in an annotator group for {action_class.name}", code="forbidden")


def pending_clarifications(*, user, action_class: ActionClass):
    return Clarification.objects.filter(action_class=action_class).exclude(acknowledged_by=user)


def check_clarifications_acknowledged(*, user, action_class: ActionClass) -> None:
    """The gate of every tool: no new work in a class until its new clarifications are acknowledged."""
    pending = list(pending_clarifications(user=user, action_class=action_class))
    if pending:
        raise QueueError(
            "read and acknowledge the new clarifications of this class first",
            code="clarification",
            extra={"clarifications": [{"id": c.pk, "text": c.text} for c in pending]},
        )


def check_qualified(*, user, project: Project, action_class: ActionClass) -> None:
    """No real work of a class before its qualification is passed, where the project asks for one."""
    if not annotator_qualified(user=user, project=project, action_class=action_class):
        raise QueueError(
            f"pass the qualification for {action_class.name} first",
            code="qualification",
            extra={"qualify_url": f"/qualify/{project.pk}/{action_class.pk}/"},
        )


def check_work_access(*, user, project: Project, action_class: ActionClass, staff_ok: bool = False) -> None:
    """The gates every tool applies before handing out real work: the class is the user's, its clarifications are
    read, its qualification (where required) is passed. Staff pass them all where `staff_ok`."""
    if staff_ok and user.is_staff:
        return
    check_class_access(user=user, project=project, action_class=action_class)
    check_clarifications_acknowledged(user=user, action_class=action_class)
    check_qualified(user=user, project=project, action_class=action_class)


def clarification_post(
    *, admin, action_class: ActionClass, text: str, changes_guideline: bool = False
) -> Clarification:
    """Add a clarification to a class guideline; every annotator of the class must acknowledge it. One that changes
    the guideline also withdraws the class's qualifications (catalog.qualification): annotators qualify again."""
    text = text.strip()
    if not text:
        raise ApplicationError("a clarification needs some text")
    return Clarification.objects.create(
        action_class=action_class, text=text[:5000], author=admin, changes_guideline=changes_guideline
    )


def clarification_ack(*, user, clarification: Clarification) -> None:
    check_class_access(user=user, action_class=clarification.action_class)
    try:
        with transaction.atomic():
            ClarificationAck.objects.get_or_create(clarification=clarification, user=user)
    except IntegrityError:  # a double click raced itself: the ack exists, which is all we want
        pass
