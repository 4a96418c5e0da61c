"""Timeline writes, by concept: queue (leases, the next task, gold mode), work (drafts, submit, reject, admin
decisions) and qualification (the qualification set's videos). Callers import from here."""

from backend.segments.services.qualification import qualification_videos, segment_video_qualification_set
from backend.segments.services.queue import (
    DONE,
    LIVE,
    MAX_SEGMENTS,
    check_segments,
    segment_gold_task_next,
    segment_queue_waiting,
    segment_settings_get,
    segment_task_next,
    segment_task_open,
    segment_tasks_release_expired,
)
from backend.segments.services.work import (
    SubmitResult,
    segment_annotations_revoke,
    segment_draft_save,
    segment_final_pick,
    segment_submit_floor,
    segment_task_reject,
    segment_task_submit,
)

__all__ = [
    "DONE",
    "LIVE",
    "MAX_SEGMENTS",
    "SubmitResult",
    "check_segments",
    "qualification_videos",
    "segment_annotations_revoke",
    "segment_draft_save",
    "segment_final_pick",
    "segment_gold_task_next",
    "segment_queue_waiting",
    "segment_settings_get",
    "segment_submit_floor",
    "segment_task_next",
    "segment_task_open",
    "segment_task_reject",
    "segment_task_submit",
    "segment_tasks_release_expired",
    "segment_video_qualification_set",
]
