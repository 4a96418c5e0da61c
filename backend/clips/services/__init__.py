"""Clip writes, by concept: media (candidates and their files), pages (the queue), labels (submit, consensus,
revoke), gold (the golden set), qualification (the set annotators qualify on). Callers import from here."""

from backend.clips.services.gold import clip_gold_set, gold_answers_submit, gold_page_next
from backend.clips.services.labels import (
    SubmitResult,
    clip_consensus_update,
    clip_labels_revoke,
    clips_consensus_update,
    page_shown,
    page_submit,
    page_submit_floor,
)
from backend.clips.services.media import clip_media_cut, clips_requeue_pending, video_candidates_create
from backend.clips.services.pages import MAX_PAGE_SIZE, QueueError, page_next, pages_release_expired, queue_counts
from backend.clips.services.qualification import (
    clip_qualification_set,
    qualification_answers_submit,
    qualification_clips,
    qualification_page_next,
)
from backend.clips.services.retire import RetireResult, video_clips_retire, video_clips_untouched_delete

__all__ = [
    "MAX_PAGE_SIZE",
    "QueueError",
    "RetireResult",
    "SubmitResult",
    "clip_consensus_update",
    "clip_gold_set",
    "clip_labels_revoke",
    "clip_media_cut",
    "clip_qualification_set",
    "clips_consensus_update",
    "clips_requeue_pending",
    "gold_answers_submit",
    "gold_page_next",
    "page_next",
    "page_shown",
    "page_submit",
    "page_submit_floor",
    "pages_release_expired",
    "qualification_answers_submit",
    "qualification_clips",
    "qualification_page_next",
    "queue_counts",
    "video_candidates_create",
    "video_clips_retire",
    "video_clips_untouched_delete",
]
