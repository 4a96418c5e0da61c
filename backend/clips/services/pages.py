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
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from backend.catalog.access import QueueError, check_work_access
from backend.catalog.models import ActionClass, GuidelineExample, Project
from backend.clips.models import Clip, GoldAnswer, Label, Page, PageItem

MAX_PAGE_SIZE = 200


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


def _eligible(*, annotator, project: Project, action_class: ActionClass):
    """(regular, gold) querysets of the ready clips this annotator could be given now (not labelled or leased by
    them, not a guideline example, which is shown, never asked). Regular clips still need labels."""
    labelled, leased = _mine(annotator)
    example = Exists(GuidelineExample.objects.filter(clip=OuterRef("pk")))
    is_gold = Exists(GoldAnswer.objects.filter(clip=OuterRef("pk")))
    ready = Clip.objects.filter(action_class=action_class, video__project=project, media_state=Clip.MediaState.READY)
    # NOT EXISTS, not LEFT JOIN … IS NULL: the planner can then stream the queue index and stop after the rows it
    # needs (at HACS size its row estimates for one open class are far too low to trust a sort). The filter and
    # order match clip_ready_queue_idx (partial: open and ready clips only).
    regular = (ready.filter(is_open=True, label_count__lt=F("required_labels") - F("lease_count"))
               .filter(~labelled, ~leased, ~example, ~is_gold))
    gold = ready.filter(is_gold).filter(~labelled, ~leased, ~example)
    return regular, gold


def _gold_share(*, regular: int, gold: int, rate: float) -> int:
    """Gold clips served alongside `regular` regular ones: the project's rate of the page, never more than exist.
    One rule for the page draw and the counters, so that a counter moves the same whatever a page holds."""
    return min(gold, round(regular * rate / max(1e-9, 1 - rate)))


def _in_groups(clips: list[Clip], *, rng: random.Random, cap: int, limit: int, skip_videos=()) -> list[Clip]:
    """Clips by video, each video's group cut to a random size 1..cap (a random subset, in time order), until
    `limit` clips. Regular and gold groups are cut by this one rule, so a group's size says nothing of its kind."""
    by_video: dict[int, list[Clip]] = {}
    for clip in clips:
        if clip.video_id not in skip_videos:
            by_video.setdefault(clip.video_id, []).append(clip)
    out: list[Clip] = []
    for group in by_video.values():
        if len(out) >= limit:
            break
        k = min(rng.randint(1, cap), len(group), limit - len(out))
        out += sorted(rng.sample(group, k), key=lambda c: (c.start, c.pk))
    return out


def _draw_clips(*, annotator, project: Project, action_class: ActionClass, size: int,
                rng: random.Random | None = None) -> tuple[list[Clip], list[Clip]]:
    """(regular, gold) clips for a new page of `size`, drawn as video groups (see _in_groups).

    Gold shares its video's group with the video's regular clips, if any, so a gold clip is never the odd one out
    of a group. Regular clips are locked (SKIP LOCKED: 100 annotators asking at once each get different clips);
    gold clips are served to everyone regardless of leases and carry none.
    """
    rng = rng or random.Random()
    cap = max(1, project.clips_per_video)
    regular_qs, gold_qs = _eligible(annotator=annotator, project=project, action_class=action_class)
    gold_pool = list(gold_qs.only("pk", "video_id", "start"))
    n_gold = min(len(gold_pool), round(size * project.gold_rate))
    streamed = list(regular_qs.order_by("video_id", "start", "pk")
                    .select_for_update(skip_locked=True, of=("self",), no_key=True)[: 2 * size + cap])
    gold_videos: list[int] = list(dict.fromkeys(c.video_id for c in gold_pool))
    rng.shuffle(gold_videos)
    # Gold groups first (their videos' regular clips join them), until the page's gold share is reached.
    gold_groups: list[Clip] = []
    if n_gold:
        regular_of_gold = list(regular_qs.filter(video_id__in=gold_videos)
                               .select_for_update(skip_locked=True, of=("self",), no_key=True))
        by_video: dict[int, list[Clip]] = {}
        for clip in [*gold_pool, *regular_of_gold]:
            by_video.setdefault(clip.video_id, []).append(clip)
        gold_ids = {c.pk for c in gold_pool}
        taken_gold = 0
        for video_id in gold_videos:
            if taken_gold >= n_gold:
                break
            group = _in_groups(by_video[video_id], rng=rng, cap=cap, limit=size)
            gold_groups += group
            taken_gold += sum(c.pk in gold_ids for c in group)
    used_videos = {c.video_id for c in gold_groups}
    regular = _in_groups(streamed, rng=rng, cap=cap, limit=max(0, size - len(gold_groups)), skip_videos=used_videos)
    gold_ids = {c.pk for c in gold_pool}
    group_regular = [c for c in gold_groups if c.pk not in gold_ids]
    gold = [c for c in gold_groups if c.pk in gold_ids]
    n_regular = len(regular) + len(group_regular)
    allowed = _gold_share(regular=n_regular, gold=len(gold), rate=project.gold_rate) if n_regular < size - len(gold) \
        else len(gold)
    if allowed < len(gold):  # too few regular clips: keep the gold share, not the page size
        keep = {c.video_id for c in gold[:allowed]}
        gold = [c for c in gold if c.video_id in keep][:allowed]
        group_regular = [c for c in group_regular if c.video_id in keep]
    # the full Clip rows of the gold clips (drawn with only a few fields)
    gold = list(Clip.objects.filter(pk__in=[c.pk for c in gold]))
    return regular + group_regular, gold


def queue_counts(*, annotator, project: Project, action_class: ActionClass) -> int:
    """How many clips of a class this annotator could still be given: the regular clips and the gold share that
    comes with them (the page draw's own rule). Leasing a page lowers it by the page's size whatever the page
    holds, so the counter never tells how many clips of a page were gold."""
    regular_qs, gold_qs = _eligible(annotator=annotator, project=project, action_class=action_class)
    regular = regular_qs.count()
    return regular + _gold_share(regular=regular, gold=gold_qs.count(), rate=project.gold_rate) if regular else 0


def _lock_clips(clip_ids: list[int]) -> list[Clip]:
    return list(Clip.objects.select_for_update(of=("self",), no_key=True).filter(pk__in=clip_ids)
                .select_related("gold").order_by("pk"))
