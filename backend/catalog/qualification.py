"""Qualification before real work (issue 15; HACS §3.2 trained annotators on the guideline, SLAC §3.6 kept those at
>= 90 % on the golden set): the gate's rows and rules. Catalog owns them because the gate is part of who may work on
a class (`catalog.access`); the quality app serves the qualification set, scores a submission and records it here.

A qualification covers one class, or every class the annotator labels in the project (`Project.qualification_scope`).
A pass counts for the guideline version it was made under: a clarification that changes a covered guideline
(`Clarification.changes_guideline`) starts a new version, and passes and attempts made before it no longer count.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from backend.catalog.models import ActionClass, Clarification, Project, QualificationAttempt
from backend.core.errors import ApplicationError


class QualificationError(ApplicationError):
    """A qualification submission refused: not required here (invalid), already qualified (conflict), no attempts
    left (forbidden)."""


def qualification_classes(*, user, project: Project, action_class: ActionClass | None) -> list[ActionClass]:
    """The classes one qualification covers (Project.qualification_scope): the class alone per class; per project,
    every class the user's annotator groups of the project hold, so one pass on their sets opens all of them."""
    if project.qualification_scope == Project.QualificationScope.CLASS:
        return [action_class] if action_class else []
    return list(
        ActionClass.objects.filter(annotator_groups__project=project, annotator_groups__members=user)
        .distinct()
        .order_by("name")
    )


def _filed_under(*, project: Project, action_class: ActionClass | None) -> ActionClass | None:
    """The class an attempt is filed under: its class per class, None (the whole project) per project."""
    return action_class if project.qualification_scope == Project.QualificationScope.CLASS else None


def guideline_version(*, classes: list[ActionClass]) -> Clarification | None:
    """The latest clarification that changed one of these guidelines; None while they are as first written."""
    return (
        Clarification.objects.filter(action_class__in=classes, changes_guideline=True)
        .order_by("-created_at", "-pk")
        .first()
    )


def qualification_attempts_current(*, user, project: Project, action_class: ActionClass | None):
    """The attempts that count now: filed under the project's current scope (the class per class, None for the
    whole project: attempts made under the other setting do not count), not reset, made under the current guideline
    version of the classes they cover. `action_class` None asks for the project's attempts."""
    filed_under = _filed_under(project=project, action_class=action_class)
    if project.qualification_scope == Project.QualificationScope.CLASS and filed_under is None:
        return QualificationAttempt.objects.none()
    version = guideline_version(classes=qualification_classes(user=user, project=project, action_class=action_class))
    return QualificationAttempt.objects.filter(
        annotator=user,
        project=project,
        action_class=filed_under,
        reset_at__isnull=True,
        guideline_version=version,
    )


def qualification_attempts_counting(*, project: Project, attempts: list[QualificationAttempt]) -> set[int]:
    """The ids among `attempts` (of `project`) that count now, for the admins' list: one query per annotator and
    scope, by the rule of `qualification_attempts_current`."""
    counting: set[int] = set()
    for annotator, action_class in {(a.annotator, a.action_class) for a in attempts}:
        current = qualification_attempts_current(user=annotator, project=project, action_class=action_class)
        counting.update(current.values_list("pk", flat=True))
    return counting


def annotator_qualified(*, user, project: Project, action_class: ActionClass) -> bool:
    """True when the project asks for no qualification, or the user passed the qualification that covers the class
    (its own, or the project's) as the guidelines now stand."""
    if not project.qualification_required:
        return True
    return (
        qualification_attempts_current(user=user, project=project, action_class=action_class)
        .filter(passed=True)
        .exists()
    )


@dataclass(frozen=True)
class QualificationStatus:
    required: bool
    qualified: bool
    attempts_used: int
    attempts_left: int
    pass_mark: float
    last_score: float | None


def qualification_status(*, user, project: Project, action_class: ActionClass) -> QualificationStatus:
    attempts = list(qualification_attempts_current(user=user, project=project, action_class=action_class))
    qualified = not project.qualification_required or any(a.passed for a in attempts)
    return QualificationStatus(
        required=project.qualification_required,
        qualified=qualified,
        attempts_used=len(attempts),
        attempts_left=max(0, project.qualification_max_attempts - len(attempts)),
        pass_mark=project.qualification_pass_mark,
        last_score=attempts[-1].score if attempts else None,
    )


def qualification_attempt_record(
    *, user, project: Project, action_class: ActionClass, answers: dict[str, object], correct: int, total: int
) -> QualificationAttempt:
    """Store a scored attempt, refusing one past the limit or after a pass. The caller checked the user's access to
    the class and scored `answers` against the qualification set of `qualification_classes` (`total` > 0)."""
    if not project.qualification_required:
        raise QualificationError(f"{project.name} asks for no qualification", code="invalid")
    with transaction.atomic():
        # One attempt at a time per annotator: two tabs submitting together must not both take the last attempt.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        status = qualification_status(user=user, project=project, action_class=action_class)
        if status.qualified:
            raise QualificationError(f"you are already qualified for {action_class.name}", code="conflict")
        if status.attempts_left <= 0:
            raise QualificationError(
                f"no attempts left for {action_class.name}: ask an admin to reset one", code="forbidden"
            )
        score = correct / total
        return QualificationAttempt.objects.create(
            annotator=user,
            project=project,
            action_class=_filed_under(project=project, action_class=action_class),
            guideline_version=guideline_version(
                classes=qualification_classes(user=user, project=project, action_class=action_class)
            ),
            answers=answers,
            correct=correct,
            total=total,
            score=score,
            # a small tolerance: 9 of 10 is a pass at 0.9 whatever the float rounding
            passed=score >= project.qualification_pass_mark - 1e-9,
        )


def qualification_attempt_reset(*, admin, attempt: QualificationAttempt) -> QualificationAttempt:
    """An admin's reset: the attempt no longer counts (a pass is withdrawn, a failed attempt is given back)."""
    if attempt.reset_at is None:
        attempt.reset_at = timezone.now()
        attempt.reset_by = admin
        attempt.save(update_fields=["reset_at", "reset_by"])
    return attempt
