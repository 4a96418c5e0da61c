"""The page queue: leasing pages of clips to annotators, releasing expired leases, what is waiting.

Concurrency: every change to a clip's counters happens under a row lock (SELECT … FOR NO KEY UPDATE; on SQLite
the whole write transaction is serialised by BEGIN IMMEDIATE), taken in clip-id order so two submits never
deadlock. Leasing a page never waits for a clip: it takes unlocked regular clips (SKIP LOCKED) and writes no gold
clip, so it cannot close a cycle with a submit that holds gold rows and waits for one of its clips. The lock is
NO KEY UPDATE (counters are not keys) so the foreign-key checks of a new page's items (KEY SHARE) never wait on it.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from backend.catalog.access import check_work_access
from backend.catalog.models import ActionClass, GuidelineExample, Project
from backend.clips.models import Clip, GoldAnswer, Label, Page, PageItem
from backend.core.errors import ApplicationError

MAX_PAGE_SIZE = 200


class QueueError(ApplicationError):
    """A queue request that cannot be served (no page, nothing waiting, bad labels): its code gives the status."""


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
    check_work_access(user=annotator, project=project, action_class=action_class)
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


def _lock_clips(clip_ids: list[int]) -> list[Clip]:
    return list(Clip.objects.select_for_update(of=("self",), no_key=True).filter(pk__in=clip_ids)
                .select_related("gold").order_by("pk"))
