"""Qualification before real work (issue 15): the training step's set, scoring a submission, the admins' view.

The gate and the attempt rows belong to catalog (`catalog.qualification`, called by every tool through
`catalog.access.check_work_access`); the qualification set's answers belong to the apps whose rows they sit beside:
clips (`QualificationAnswer`: a clip's known yes or no, for the grid) and segments (`VideoQualificationAnswer`: a
video's known segments, for the timeline). This module joins them: it serves the set without its answers, scores a
submission (every clip and video one item), and hands catalog the score to record. The annotator learns the score
only, never which items were wrong (a per-item answer would teach the set, not the guideline).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from backend.catalog.access import QueueError, check_clarifications_acknowledged, check_class_access
from backend.catalog.models import ActionClass, Project, QualificationAttempt
from backend.catalog.qualification import (
    QualificationStatus,
    qualification_attempt_record,
    qualification_classes,
    qualification_status,
)
from backend.clips.models import Clip
from backend.clips.services import qualification_clips
from backend.segments.models import SegmentVideo
from backend.segments.services import check_segments, qualification_videos
from workers.evaluation.agreement import match_labelled

# A qualification video is right when the annotator's segments and the known ones pair one to one, every pair at a
# temporal IoU above this. 0.5 is the loosest threshold at which ActivityNet's detection benchmark counts a segment
# found (tIoU 0.5:0.05:0.95) and the one THUMOS'14 results are quoted at: boundaries may differ by the few frames
# people disagree on, but a segment half off, a missed one or an extra one is an error. The pairing is the
# agreement module's (label-first Hungarian matching, workers/evaluation/agreement.py); above 0.5, a segment can
# overlap at most one of several non-overlapping partners that much, so no segment counts twice.
QUALIFICATION_VIDEO_TIOU = 0.5


def video_answer_correct(*, given: list[tuple[float, float]], known: list[tuple[float, float]]) -> bool:
    """One qualification video's verdict: as many segments as known, each matched to one known segment at tIoU above
    QUALIFICATION_VIDEO_TIOU. No known segment (the action is absent): right only when none is given."""
    if len(given) != len(known):
        return False
    matches = match_labelled(
        a=[("", start, end) for start, end in given],
        b=[("", start, end) for start, end in known],
        min_tiou=QUALIFICATION_VIDEO_TIOU,
    )
    return len(matches) == len(known)


def _items(*, project: Project, classes: list[ActionClass]) -> tuple[list[Clip], list[SegmentVideo]]:
    """The clips and videos of every class the qualification covers (the class alone, or the user's classes of the
    project: catalog.qualification.qualification_classes)."""
    clips = [clip for cls in classes for clip in qualification_clips(project=project, action_class=cls)]
    videos = [video for cls in classes for video in qualification_videos(project=project, action_class=cls)]
    return clips, videos


@dataclass(frozen=True)
class QualificationSet:
    status: QualificationStatus
    clips: list[Clip]  # to label yes or no on the grid
    videos: list[SegmentVideo]  # to segment as on the timeline


def qualification_set_for(*, user, project: Project, action_class: ActionClass) -> QualificationSet:
    """The user's status and the items to answer, each kind in a random order: none once qualified or out of
    attempts."""
    check_class_access(user=user, project=project, action_class=action_class)
    status = qualification_status(user=user, project=project, action_class=action_class)
    if not status.required or status.qualified or status.attempts_left <= 0:
        return QualificationSet(status=status, clips=[], videos=[])
    classes = qualification_classes(user=user, project=project, action_class=action_class)
    clips, videos = _items(project=project, classes=classes)
    random.shuffle(clips)  # no order to remember between attempts
    random.shuffle(videos)
    return QualificationSet(status=status, clips=clips, videos=videos)


@dataclass(frozen=True)
class QualificationResult:
    score: float
    passed: bool
    attempts_left: int
    pass_mark: float


def qualification_submit(
    *,
    user,
    project: Project,
    action_class: ActionClass,
    labels: dict[str, int],
    segments: dict[str, list[list[float]]] | None = None,
) -> QualificationResult:
    """Score an annotator's answers to the whole qualification set and record the attempt. `labels` are clip uid ->
    1 or -1, `segments` video uid -> [[start, end], …] seconds; together they must cover the set exactly. The result
    holds the score only."""
    check_class_access(user=user, project=project, action_class=action_class)
    classes = qualification_classes(user=user, project=project, action_class=action_class)
    for covered in classes:
        check_clarifications_acknowledged(user=user, action_class=covered)  # the guidelines read as they are now
    segments = segments or {}
    clips, video_list = _items(project=project, classes=classes)
    clip_truth = {str(c.uid): c.qualification.value for c in clips}
    videos = {str(v.uid): v for v in video_list}
    if not clip_truth and not videos:
        raise QueueError("there is no qualification set here yet: ask an admin", code="empty")
    if set(labels) != set(clip_truth) or set(segments) != set(videos):
        raise QueueError("answer every clip and video of the qualification set (and only those)", code="invalid")
    given = {
        uid: check_segments(segments[uid], duration=video.media_duration, fps=video.media_fps)
        for uid, video in videos.items()
    }
    correct = sum(1 for uid, value in labels.items() if clip_truth[uid] == value) + sum(
        1
        for uid, video in videos.items()
        if video_answer_correct(given=given[uid], known=[(s, e) for s, e in video.qualification.segments])
    )
    answers: dict[str, object] = {**labels, **{uid: [list(pair) for pair in pairs] for uid, pairs in given.items()}}
    attempt = qualification_attempt_record(
        user=user,
        project=project,
        action_class=action_class,
        answers=answers,
        correct=correct,
        total=len(clip_truth) + len(videos),
    )
    status = qualification_status(user=user, project=project, action_class=action_class)
    return QualificationResult(
        score=attempt.score, passed=attempt.passed, attempts_left=status.attempts_left, pass_mark=status.pass_mark
    )


def qualification_attempts(*, project: Project, action_class: ActionClass | None = None):
    """Every attempt in a project (of one class, when given), newest first, for admins (reset ones included)."""
    attempts = QualificationAttempt.objects.filter(project=project)
    if action_class is not None:
        attempts = attempts.filter(action_class=action_class)
    return attempts.select_related("annotator", "action_class", "reset_by", "guideline_version").order_by(
        "-created_at", "-pk"
    )
