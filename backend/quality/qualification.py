"""Qualification before real work (issue 15): the training step's set, scoring a submission, the admins' view.

The gate and the attempt rows belong to catalog (`catalog.qualification`, called by every tool through
`catalog.access.check_work_access`); the qualification set's answers belong to clips (`QualificationAnswer`). This
module joins them: it serves the set without its answers, scores a submission, and hands catalog the score to
record. The annotator learns the score only, never which clips were wrong (a per-item answer would teach the set,
not the guideline).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from backend.catalog.access import QueueError, check_clarifications_acknowledged, check_class_access
from backend.catalog.models import ActionClass, Project, QualificationAttempt
from backend.catalog.qualification import (
    QualificationStatus,
    qualification_attempt_record,
    qualification_status,
)
from backend.clips.models import Clip
from backend.clips.services import qualification_clips


def qualification_set_for(
    *, user, project: Project, action_class: ActionClass
) -> tuple[QualificationStatus, list[Clip]]:
    """(the user's status, the clips to answer in a random order): no clips once qualified or out of attempts."""
    check_class_access(user=user, project=project, action_class=action_class)
    status = qualification_status(user=user, project=project, action_class=action_class)
    if not status.required or status.qualified or status.attempts_left <= 0:
        return status, []
    clips = list(qualification_clips(project=project, action_class=action_class))
    random.shuffle(clips)  # no order to remember between attempts
    return status, clips


@dataclass(frozen=True)
class QualificationResult:
    score: float
    passed: bool
    attempts_left: int
    pass_mark: float


def qualification_submit(
    *, user, project: Project, action_class: ActionClass, answers: dict[str, int]
) -> QualificationResult:
    """Score an annotator's answers to the whole qualification set and record the attempt. Answers are clip uid ->
    1 or -1 and must cover the set exactly. The result holds the score only."""
    check_class_access(user=user, project=project, action_class=action_class)
    check_clarifications_acknowledged(user=user, action_class=action_class)  # the guideline read as it is now
    truth = {str(c.uid): c.qualification.value for c in qualification_clips(project=project, action_class=action_class)}
    if not truth:
        raise QueueError(f"{action_class.name} has no qualification set yet: ask an admin", code="empty")
    if set(answers) != set(truth):
        raise QueueError("answer every clip of the qualification set (and only those)", code="invalid")
    correct = sum(1 for uid, value in answers.items() if truth[uid] == value)
    attempt = qualification_attempt_record(
        user=user, project=project, action_class=action_class, answers=answers, correct=correct, total=len(truth)
    )
    status = qualification_status(user=user, project=project, action_class=action_class)
    return QualificationResult(
        score=attempt.score, passed=attempt.passed, attempts_left=status.attempts_left, pass_mark=status.pass_mark
    )


def qualification_attempts(*, project: Project):
    """Every attempt in a project, newest first, for admins (reset ones included, marked)."""
    return (
        QualificationAttempt.objects.filter(project=project)
        .select_related("annotator", "action_class", "reset_by", "guideline_version")
        .order_by("-created_at", "-pk")
    )
