"""Label writes: a page's submission (all or nothing, idempotent), consensus upkeep, revoking labels.

Locks: see backend/clips/services/pages.py (row locks in clip-id order).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from backend.catalog.models import ActionClass
from backend.clips import consensus
from backend.clips.models import Clip, ClipDecision, ConsensusResult, Label, Page
from backend.clips.services.pages import QueueError, _lock_clips
from backend.core.faults import fault_point
from backend.core.pacing import check_not_too_early


@dataclass(frozen=True)
class SubmitResult:
    stored: int
    dropped: int
    already_submitted: bool


def page_submit_floor(n_items: int) -> float:
    """Seconds a page of `n_items` clips must have been on screen before it may be submitted (docs/security.md)."""
    return settings.SUBMIT_FLOOR_PAGE_SECONDS + settings.SUBMIT_FLOOR_SECONDS_PER_CLIP * n_items


def page_shown(*, annotator, page_uid) -> Page:
    """The annotator's browser put the page on screen: the submit floor counts from the first time it says so."""
    with transaction.atomic():
        page = Page.objects.select_for_update().filter(uid=page_uid, annotator=annotator).first()
        if page is None:
            raise QueueError("no such page", code="not_found")
        if page.shown_at is None:
            page.shown_at = timezone.now()
            page.save(update_fields=["shown_at"])
    return page


def page_submit(
    *, annotator, page_uid, labels: dict[str, int], seconds_spent: float, submit_token: str = ""
) -> SubmitResult:
    """Store one label per page item, all or nothing; a repeated submit of the same page stores nothing twice.

    `labels` maps every item uid of the page to 1 (positive) or -1 (negative). On a page whose lease ran out,
    labels are still kept for clips that need them; the rest are dropped and counted.

    Refused, storing nothing: a page not on screen for page_submit_floor seconds (409 too_early; a page never
    said shown counts from its lease); a page already submitted under another `submit_token` (409 conflict: another
    tab submitted it). The same token again is a retry: answered as already submitted.
    """
    with transaction.atomic():
        page = Page.objects.select_for_update().filter(uid=page_uid, annotator=annotator).first()
        if page is None:
            raise QueueError("no such page", code="not_found")
        if page.submitted_at is not None:
            if submit_token and page.submit_token and submit_token != page.submit_token:
                raise QueueError(
                    "this page was already submitted from another tab or window; nothing was stored from this one",
                    code="conflict",
                )
            return SubmitResult(stored=page.labels.count(), dropped=0, already_submitted=True)
        page_items = list(page.items.all())
        items = {str(i.uid): i.clip_id for i in page_items}
        decoys = {i.clip_id for i in page_items if i.decoy}
        check_not_too_early(
            shown_at=page.shown_at or page.created_at, floor_seconds=page_submit_floor(len(items)), what="page"
        )
        _check_labels(labels, items)
        clips = {c.pk: c for c in _lock_clips([c for c in items.values() if c not in decoys])}
        per_clip = max(0.0, float(seconds_spent)) / max(1, len(items))
        taken = set(
            Label.objects.filter(clip_id__in=clips, annotator=annotator, active=True).values_list("clip_id", flat=True)
        )
        stored = dropped = 0
        new_labels = []
        still_leased = page.released_at is None
        for item_uid, clip_id in items.items():
            if clip_id in decoys:  # kept, never counted, and stored like any other (the answer must not tell it)
                new_labels.append(
                    Label(
                        clip_id=clip_id,
                        annotator=annotator,
                        page=page,
                        value=labels[item_uid],
                        seconds_spent=per_clip,
                        active=False,
                    )
                )
                stored += 1
                continue
            clip = clips[clip_id]
            is_gold = hasattr(clip, "gold")
            if still_leased and not is_gold:  # gold clips carry no lease (see page_next)
                clip.lease_count = max(0, clip.lease_count - 1)
            # A clip retired after the page was leased (its video removed) takes no label: dropped, like a full one.
            wanted = not clip.retired_reason and (
                is_gold
                or (
                    clip.is_open and clip.label_count + (0 if still_leased else clip.lease_count) < clip.required_labels
                )
            )
            if clip_id in taken or not wanted:
                dropped += 1
                continue
            new_labels.append(
                Label(clip=clip, annotator=annotator, page=page, value=labels[item_uid], seconds_spent=per_clip)
            )
            clip.label_count += 1
            stored += 1
        Label.objects.bulk_create(new_labels)
        clips_consensus_update(
            clips=[
                clips[label.clip_id]
                for label in new_labels
                if label.active and not hasattr(clips[label.clip_id], "gold")
            ],
            mode=page.project.consensus_mode,
        )
        # One UPDATE for the page's clips (a few queries per page in all, not a few per clip: submit stays cheap
        # next to a trivial request when 100 annotators submit at once).
        Clip.objects.bulk_update(list(clips.values()), ["lease_count", "label_count", "required_labels", "is_open"])
        page.submitted_at = timezone.now()
        page.seconds_spent = float(seconds_spent)
        page.submit_token = submit_token[:64]
        page.save(update_fields=["submitted_at", "seconds_spent", "submit_token"])
        fault_point("submit.before_commit")
    return SubmitResult(stored=stored, dropped=dropped, already_submitted=False)


def _check_labels(labels: dict[str, int], items: dict[str, int]) -> None:
    missing = set(items) - set(labels)
    unknown = set(labels) - set(items)
    if missing or unknown:
        raise QueueError(f"labels must cover exactly the page's clips ({len(missing)} missing, {len(unknown)} unknown)")
    bad = [k for k, v in labels.items() if v not in (1, -1)]
    if bad:
        raise QueueError(f"label values must be 1 or -1 ({len(bad)} are not)")


def clip_consensus_update(*, clip: Clip, mode: str) -> None:
    """Re-derive a clip's required labels, openness and consensus row from its active labels.

    Precondition: the caller holds the clip's row lock and saves the clip's counter fields afterwards.
    """
    clips_consensus_update(clips=[clip], mode=mode)


def clips_consensus_update(*, clips: list[Clip], mode: str) -> None:
    """clip_consensus_update for several clips, in three queries whatever their number.

    Precondition: the caller holds the clips' row locks and saves their counter fields afterwards.
    """
    if not clips:
        return
    values: dict[int, list[int]] = {clip.pk: [] for clip in clips}
    for clip_id, value in (
        Label.objects.filter(clip_id__in=values, active=True)
        .order_by("clip_id", "created_at", "pk")
        .values_list("clip_id", "value")
    ):
        values[clip_id].append(value)
    reviewed: dict[int, int] = {}
    for clip_id, value in (
        ClipDecision.objects.filter(clip_id__in=values)
        .order_by("clip_id", "created_at", "pk")
        .values_list("clip_id", "value")
    ):
        reviewed[clip_id] = value  # the latest decision wins
    decided, undecided = [], []
    for clip in clips:
        settled = consensus.settle(values[clip.pk], mode, reviewed=reviewed.get(clip.pk))
        decision = settled.decision
        clip.required_labels = decision.required
        clip.is_open = not decision.decided and not clip.retired_reason  # a retired clip never reopens
        if decision.decided:
            decided.append(
                ConsensusResult(
                    clip=clip,
                    value=decision.value,
                    mode=mode,
                    n_labels=len(values[clip.pk]),
                    unanimous=len(set(values[clip.pk])) == 1,
                    source=settled.source,
                )
            )
        else:
            undecided.append(clip.pk)
    ConsensusResult.objects.bulk_create(
        decided,
        update_conflicts=True,
        unique_fields=["clip"],
        update_fields=["value", "mode", "n_labels", "unanimous", "source", "decided_at"],
    )
    if undecided:
        ConsensusResult.objects.filter(clip_id__in=undecided).delete()


def clip_labels_revoke(*, annotator, action_class: ActionClass) -> int:
    """Deactivate an annotator's labels of a class so their clips go back to the queue. Returns how many.

    Called by quality's send-back (which records it); runs in the caller's transaction or its own.
    """
    with transaction.atomic():
        label_qs = Label.objects.filter(annotator=annotator, clip__action_class=action_class, active=True)
        clip_ids = list(label_qs.values_list("clip_id", flat=True))
        clips = _lock_clips(clip_ids)
        count = label_qs.update(active=False)
        for clip in clips:
            clip.label_count = max(0, clip.label_count - 1)
            if not hasattr(clip, "gold"):
                clip_consensus_update(clip=clip, mode=clip.video.project.consensus_mode)
            clip.save(update_fields=["label_count", "required_labels", "is_open"])
    return count
