"""Clip writes: candidates and their media, the page queue (leases), label submission, consensus upkeep.

Concurrency: every change to a clip's counters happens under a row lock (SELECT … FOR NO KEY UPDATE; on SQLite
the whole write transaction is serialised by BEGIN IMMEDIATE), taken in clip-id order so two submits never
deadlock. Leasing a page never waits for a clip: it takes unlocked regular clips (SKIP LOCKED) and writes no gold
clip, so it cannot close a cycle with a submit that holds gold rows and waits for one of its clips. The lock is
NO KEY UPDATE (counters are not keys) so the foreign-key checks of a new page's items (KEY SHARE) never wait on it.
"""

from __future__ import annotations

import logging
import random
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from backend.catalog.models import ActionClass, Clarification, GuidelineExample, Project, Video
from backend.catalog.storage import store_at_key, video_local_path
from backend.clips.models import Clip, ConsensusResult, Label, Page, PageItem
from backend.config.celery import task_publish, task_publish_on_commit
from backend.config.faults import fault_point
from backend.quality import consensus
from backend.quality.models import AnnotatorGroup, GoldAnswer, SendBack
from workers import candidates
from workers.media import clips as media

log = logging.getLogger("actionloom.clips")

MAX_PAGE_SIZE = 200


class QueueError(Exception):
    """A queue request that cannot be served; `code` maps to an HTTP status in the API."""

    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, extra: dict | None = None) -> None:
        super().__init__(message)
        self.code = code or self.code
        self.extra = extra or {}


# --- candidates and media ----------------------------------------------------------------------------------


def video_candidates_create(*, video: Video, spans: list[candidates.ClipSpan] | None = None) -> list[Clip]:
    """Create a video's candidate clips (uniform random unless `spans` are given) and queue their media cutting.

    Idempotent: a span that already exists is not created twice.
    """
    project = video.project
    if spans is None:
        spans = candidates.random_spans(duration=video.duration, count=project.clips_per_video, seed=video.pk)
    required = consensus.initial_required(project.consensus_mode)
    created = []
    for span in spans:
        clip, was_created = Clip.objects.get_or_create(
            video=video, action_class=video.query_class, start=span.start, end=span.end,
            defaults={"method": span.method, "scores": span.scores, "required_labels": required},
        )
        if was_created:
            created.append(clip)
    video.status = Video.Status.CLIPS_SAMPLED
    video.save(update_fields=["status"])
    from backend.clips.tasks import clip_media_cut_task

    for clip in created:
        task_publish_on_commit(clip_media_cut_task, clip.pk)
    return created


def clip_media_cut(*, clip_id: int) -> Clip:
    """Cut a clip's MP4 and poster from its video and store them. Idempotent: a clip with media is left alone.

    Safe when run twice at once or after a run killed mid-way: the files go to the clip's one generated key,
    written under the clip's row lock, replacing whatever a killed run left there, so a clip never has two files.
    """
    clip = Clip.objects.select_related("video").get(pk=clip_id)
    if clip.media_state == Clip.MediaState.READY and clip.media:
        return clip
    with tempfile.TemporaryDirectory() as tmp:
        source = video_local_path(clip.video, Path(tmp))
        out_video, out_poster = Path(tmp) / "clip.mp4", Path(tmp) / "clip.jpg"
        # ffmpeg's -ss counts from the container start, as clip times do: no start-time offset to add.
        media.cut_clip(source=source, start=clip.start, duration=clip.end - clip.start,
                       out_video=out_video, out_poster=out_poster)
        with transaction.atomic():
            clip = Clip.objects.select_for_update(of=("self",)).select_related("video").get(pk=clip_id)
            if clip.media_state == Clip.MediaState.READY and clip.media:  # another run finished first
                return clip
            store_at_key(clip.media, "clip.mp4", out_video)
            fault_point("clip_media_cut.after_store")
            store_at_key(clip.poster, "clip.jpg", out_poster)
            clip.media_state = Clip.MediaState.READY
            clip.save(update_fields=["media", "poster", "media_state"])
    video = clip.video
    if not video.clips.exclude(media_state=Clip.MediaState.READY).exists():
        Video.objects.filter(pk=video.pk).update(status=Video.Status.READY)
    return clip



def clips_requeue_pending() -> int:
    """Publish a media task for every clip still waiting for its media (a lost message, a broker outage).

    Run at worker start and by `manage.py requeue_pending_media`; a clip already queued is cut once anyway
    (clip_media_cut is idempotent). Returns how many tasks were published.
    """
    from backend.clips.tasks import clip_media_cut_task

    pending = (Clip.objects.filter(media_state=Clip.MediaState.PENDING).exclude(video__file="")
               .order_by("pk").values_list("pk", flat=True))
    return sum(task_publish(clip_media_cut_task, pk) for pk in pending.iterator())



# --- access ----------------------------------------------------------------------------------------------


def annotator_can_label(*, user, project: Project, action_class: ActionClass) -> bool:
    return AnnotatorGroup.objects.filter(project=project, members=user, classes=action_class).exists()


def check_queue_access(*, user, project: Project, action_class: ActionClass) -> None:
    if not annotator_can_label(user=user, project=project, action_class=action_class):
        raise QueueError(f"you are not in an annotator group for {action_class.name}", code="forbidden")


def pending_clarifications(*, user, action_class: ActionClass):
    return Clarification.objects.filter(action_class=action_class).exclude(acknowledged_by=user)


def check_clarifications_acknowledged(*, user, action_class: ActionClass) -> None:
    """The gate of both tools: no new work in a class until its new clarifications are acknowledged."""
    pending = list(pending_clarifications(user=user, action_class=action_class))
    if pending:
        raise QueueError(
            "read and acknowledge the new clarifications of this class first", code="clarification",
            extra={"clarifications": [{"id": c.pk, "text": c.text} for c in pending]},
        )


# --- pages -----------------------------------------------------------------------------------------------


def pages_release_expired(*, now=None) -> int:
    """Give the clips of pages whose lease ran out back to the queue. Returns the number of pages released."""
    now = now or timezone.now()
    released = 0
    expired = Page.objects.filter(submitted_at__isnull=True, released_at__isnull=True, expires_at__lt=now)
    for page_id in expired.values_list("pk", flat=True)[:500]:
        with transaction.atomic():
            page = Page.objects.select_for_update().filter(
                pk=page_id, submitted_at__isnull=True, released_at__isnull=True
            ).first()
            if page is None:
                continue
            clip_ids = list(page.items.values_list("clip_id", flat=True))
            _lock_clips(clip_ids)
            Clip.objects.filter(pk__in=clip_ids, lease_count__gt=0, gold__isnull=True).update(
                lease_count=F("lease_count") - 1)
            page.released_at = now
            page.save(update_fields=["released_at"])
            released += 1
    return released


def page_next(
    *, annotator, project: Project, action_class: ActionClass, size: int | None = None, after=None
) -> Page:
    """The annotator's open page for this class, or a new one leased from the queue.

    `after` (a page uid) asks for the page after that one: the grid prefetches it so the next page shows at once.

    Checks: group membership, acknowledged clarifications. A page holds clips of one class, grouped by video, the
    videos in random order; gold clips (project.gold_rate of it) are placed by the same rule.
    """
    check_queue_access(user=annotator, project=project, action_class=action_class)
    check_clarifications_acknowledged(user=annotator, action_class=action_class)
    pages_release_expired()
    now = timezone.now()
    existing = (
        Page.objects.filter(annotator=annotator, project=project, action_class=action_class,
                            submitted_at__isnull=True, released_at__isnull=True, expires_at__gt=now)
        .exclude(uid=after).order_by("created_at").first()
    )
    if existing:
        return existing
    size = max(1, min(size or project.page_size, MAX_PAGE_SIZE))
    with transaction.atomic():
        regular, gold = _draw_clips(annotator=annotator, project=project, action_class=action_class, size=size)
        # Videos in a random order, each video's clips together and in time order. Not by video id: gold videos
        # are usually older than the queue's, so their clips would always come first and give themselves away.
        video_rank = {vid: random.random() for vid in {c.video_id for c in regular + gold}}
        chosen = sorted(regular + gold, key=lambda c: (video_rank[c.video_id], c.video_id, c.start, c.pk))
        if not chosen:
            raise QueueError(f"no clips of {action_class.name} are waiting for you", code="empty")
        page = Page.objects.create(
            annotator=annotator, project=project, action_class=action_class,
            expires_at=now + timedelta(minutes=project.lease_minutes),
        )
        PageItem.objects.bulk_create([PageItem(page=page, clip=c, position=i) for i, c in enumerate(chosen)])
        # Regular clips only: they are locked already (SKIP LOCKED). Gold clips are drawn for everyone regardless
        # of leases, so they carry none, and leasing never waits on a gold row that a submit holds.
        Clip.objects.filter(pk__in=[c.pk for c in regular]).update(lease_count=F("lease_count") + 1)
    return page


def _mine(annotator) -> tuple[Exists, Exists]:
    labelled = Label.objects.filter(clip=OuterRef("pk"), annotator=annotator, active=True)
    leased = PageItem.objects.filter(
        clip=OuterRef("pk"), page__annotator=annotator, page__submitted_at__isnull=True, page__released_at__isnull=True
    )
    return Exists(labelled), Exists(leased)


def _draw_clips(*, annotator, project: Project, action_class: ActionClass, size: int) -> tuple[list[Clip], list[Clip]]:
    labelled, leased = _mine(annotator)
    # NOT EXISTS, not LEFT JOIN … IS NULL: the planner can then stream the queue index and stop after `size` rows
    # (at HACS size its row estimates for one open class are far too low to trust a sort). Examples are shown,
    # never asked.
    example = Exists(GuidelineExample.objects.filter(clip=OuterRef("pk")))
    is_gold = Exists(GoldAnswer.objects.filter(clip=OuterRef("pk")))
    gold_of_class = GoldAnswer.objects.filter(clip__action_class=action_class,
                                              clip__media_state=Clip.MediaState.READY).values("clip_id")
    gold_pool = list(Clip.objects.filter(pk__in=gold_of_class, video__project=project)
                     .filter(~labelled, ~leased, ~example).values_list("pk", flat=True))
    n_gold = min(len(gold_pool), round(size * project.gold_rate))
    # SKIP LOCKED: 100 annotators asking at once each get different clips instead of queueing on one row. The
    # filter and order match clip_ready_queue_idx (partial: open and ready clips only).
    regular = list(
        Clip.objects.filter(action_class=action_class, is_open=True, media_state=Clip.MediaState.READY,
                            video__project=project, label_count__lt=F("required_labels") - F("lease_count"))
        .filter(~labelled, ~leased, ~example, ~is_gold)
        .order_by("video_id", "start", "pk")
        .select_for_update(skip_locked=True, of=("self",), no_key=True)[: size - n_gold]
    )
    if len(regular) < size - n_gold:  # too few regular clips: keep the gold share, not the page size
        n_gold = min(n_gold, round(len(regular) * project.gold_rate / max(1e-9, 1 - project.gold_rate)))
    gold_ids = random.Random().sample(gold_pool, n_gold) if n_gold else []
    gold = list(Clip.objects.filter(pk__in=gold_ids))
    return regular, gold


@dataclass(frozen=True)
class SubmitResult:
    stored: int
    dropped: int
    already_submitted: bool


def page_submit(*, annotator, page_uid, labels: dict[str, int], seconds_spent: float) -> SubmitResult:
    """Store one label per page item, all or nothing; a repeated submit of the same page stores nothing twice.

    `labels` maps every item uid of the page to 1 (positive) or -1 (negative). On a page whose lease ran out,
    labels are still kept for clips that need them; the rest are dropped and counted.
    """
    with transaction.atomic():
        page = Page.objects.select_for_update().filter(uid=page_uid, annotator=annotator).first()
        if page is None:
            raise QueueError("no such page", code="not_found")
        if page.submitted_at is not None:
            return SubmitResult(stored=page.labels.count(), dropped=0, already_submitted=True)
        items = {str(i.uid): i.clip_id for i in page.items.all()}
        _check_labels(labels, items)
        clips = {c.pk: c for c in _lock_clips(list(items.values()))}
        per_clip = max(0.0, float(seconds_spent)) / max(1, len(items))
        taken = set(Label.objects.filter(clip_id__in=clips, annotator=annotator, active=True)
                    .values_list("clip_id", flat=True))
        stored = dropped = 0
        new_labels = []
        still_leased = page.released_at is None
        for item_uid, clip_id in items.items():
            clip = clips[clip_id]
            is_gold = hasattr(clip, "gold")
            if still_leased and not is_gold:  # gold clips carry no lease (see page_next)
                clip.lease_count = max(0, clip.lease_count - 1)
            wanted = is_gold or (clip.is_open and clip.label_count + (0 if still_leased else clip.lease_count)
                                 < clip.required_labels)
            if clip_id in taken or not wanted:
                dropped += 1
                continue
            new_labels.append(Label(clip=clip, annotator=annotator, page=page, value=labels[item_uid],
                                    seconds_spent=per_clip))
            clip.label_count += 1
            stored += 1
        Label.objects.bulk_create(new_labels)
        clips_consensus_update(clips=[clips[label.clip_id] for label in new_labels
                                      if not hasattr(clips[label.clip_id], "gold")],
                               mode=page.project.consensus_mode)
        # One UPDATE for the page's clips (a few queries per page in all, not a few per clip: submit stays cheap
        # next to a trivial request when 100 annotators submit at once).
        Clip.objects.bulk_update(list(clips.values()), ["lease_count", "label_count", "required_labels", "is_open"])
        page.submitted_at = timezone.now()
        page.seconds_spent = float(seconds_spent)
        page.save(update_fields=["submitted_at", "seconds_spent"])
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


def _lock_clips(clip_ids: list[int]) -> list[Clip]:
    return list(Clip.objects.select_for_update(of=("self",), no_key=True).filter(pk__in=clip_ids)
                .select_related("gold").order_by("pk"))


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
    for clip_id, value in (Label.objects.filter(clip_id__in=values, active=True)
                           .order_by("clip_id", "created_at", "pk").values_list("clip_id", "value")):
        values[clip_id].append(value)
    decided, undecided = [], []
    for clip in clips:
        decision = consensus.decide(values[clip.pk], mode)
        clip.required_labels = decision.required
        clip.is_open = not decision.decided
        if decision.decided:
            decided.append(ConsensusResult(clip=clip, value=decision.value, mode=mode, n_labels=len(values[clip.pk]),
                                           unanimous=len(set(values[clip.pk])) == 1))
        else:
            undecided.append(clip.pk)
    ConsensusResult.objects.bulk_create(decided, update_conflicts=True, unique_fields=["clip"],
                                        update_fields=["value", "mode", "n_labels", "unanimous", "decided_at"])
    if undecided:
        ConsensusResult.objects.filter(clip_id__in=undecided).delete()


def clip_gold_set(*, clip: Clip, value: int, author) -> GoldAnswer:
    """Make a clip gold (or change its answer). Gold clips leave the consensus queue and are served as checks."""
    if value not in (1, -1):
        raise QueueError("gold value must be 1 or -1")
    gold, _ = GoldAnswer.objects.update_or_create(clip=clip, defaults={"value": value, "author": author})
    return gold


def gold_page_next(*, action_class: ActionClass, project: Project, size: int) -> list[Clip]:
    """Clips an admin can answer in gold mode: ready, not yet gold, grouped by video."""
    return list(
        Clip.objects.filter(action_class=action_class, video__project=project, media_state=Clip.MediaState.READY,
                            gold__isnull=True)
        .order_by("video_id", "start")[: max(1, min(size, MAX_PAGE_SIZE))]
    )


def labels_send_back(*, annotator, action_class: ActionClass, admin) -> int:
    """Deactivate an annotator's labels of a class so their clips go back to the queue. Returns how many."""
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
        SendBack.objects.create(annotator=annotator, action_class=action_class, admin=admin, labels_revoked=count)
    return count


def queue_counts(*, annotator, project: Project, action_class: ActionClass) -> int:
    """How many regular clips of a class this annotator could still be given (for the queue picker)."""
    labelled, leased = _mine(annotator)
    return (
        Clip.objects.filter(action_class=action_class, video__project=project, media_state=Clip.MediaState.READY,
                            gold__isnull=True, is_open=True)
        .filter(label_count__lt=F("required_labels") - F("lease_count"))
        .exclude(labelled).exclude(Q(leased))
        .count()
    )
