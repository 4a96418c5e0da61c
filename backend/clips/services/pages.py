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

from backend.catalog.access import QueueError, check_work_access
from backend.catalog.models import MAX_PAGE_SIZE, ActionClass, GuidelineExample, Project
from backend.clips.models import Clip, GoldAnswer, Label, Page, PageItem, QualificationAnswer
from backend.core.locks import draw_retrying

# MAX_PAGE_SIZE is the catalog's (Project.page_size refuses more); the draw applies it to a size asked for.


def pages_release_expired(*, now=None) -> int:
    """Give the clips of pages whose lease ran out back to the queue. Returns the number of pages released."""
    now = now or timezone.now()
    released = 0
    expired = Page.objects.filter(submitted_at__isnull=True, released_at__isnull=True, expires_at__lt=now)
    for page_id in expired.values_list("pk", flat=True)[:500]:
        with transaction.atomic():
            page = (
                Page.objects.select_for_update()
                .filter(pk=page_id, submitted_at__isnull=True, released_at__isnull=True)
                .first()
            )
            if page is None:
                continue
            clip_ids = list(page.items.filter(decoy=False).values_list("clip_id", flat=True))
            _lock_clips(clip_ids)
            Clip.objects.filter(pk__in=clip_ids, lease_count__gt=0, gold__isnull=True).update(
                lease_count=F("lease_count") - 1
            )
            page.released_at = now
            page.save(update_fields=["released_at"])
            released += 1
    return released


def page_next(*, annotator, project: Project, action_class: ActionClass, size: int | None = None, after=None) -> Page:
    """The annotator's open page for this class, or a new one leased from the queue.

    `after` (a page uid) asks for the page after that one: the grid prefetches it so the next page shows at once.

    Checks: group membership, acknowledged clarifications. A page holds clips of one class, grouped by video, the
    videos in random order; gold clips (project.gold_rate of it) are placed by the same rule.
    """
    check_work_access(user=annotator, project=project, action_class=action_class)
    pages_release_expired()
    now = timezone.now()
    existing = (
        Page.objects.filter(
            annotator=annotator,
            project=project,
            action_class=action_class,
            submitted_at__isnull=True,
            released_at__isnull=True,
            expires_at__gt=now,
        )
        .exclude(uid=after)
        .order_by("created_at")
        .first()
    )
    if existing:
        return existing
    size = max(1, min(size or project.page_size, MAX_PAGE_SIZE))
    # Nothing drawn means the queue is empty for this annotator, or every clip left in it is locked at this
    # instant by other annotators' draws (near the end of a class): core.locks draws again while clips wait.
    page = draw_retrying(
        lambda: _page_lease(annotator=annotator, project=project, action_class=action_class, size=size, now=now),
        waiting=lambda: _eligible(annotator=annotator, project=project, action_class=action_class)[0].exists(),
    )
    if page is None:
        raise QueueError(f"no clips of {action_class.name} are waiting for you", code="empty")
    return page


def _page_lease(*, annotator, project: Project, action_class: ActionClass, size: int, now) -> Page | None:
    """One draw of a page of up to `size` clips, leased in one transaction; None when the draw found nothing."""
    with transaction.atomic():
        regular, gold, decoys = _draw_clips(annotator=annotator, project=project, action_class=action_class, size=size)
        # Videos in a random order, each video's clips together and in time order. Not by video id: gold videos
        # are usually older than the queue's, so their clips would always come first and give themselves away.
        video_rank = {vid: random.random() for vid in {c.video_id for c in regular + gold + decoys}}
        chosen = sorted(regular + gold + decoys, key=lambda c: (video_rank[c.video_id], c.video_id, c.start, c.pk))
        if not regular:
            return None
        page = Page.objects.create(
            annotator=annotator,
            project=project,
            action_class=action_class,
            expires_at=now + timedelta(minutes=project.lease_minutes),
        )
        decoy_ids = {c.pk for c in decoys}
        PageItem.objects.bulk_create(
            [PageItem(page=page, clip=c, position=i, decoy=c.pk in decoy_ids) for i, c in enumerate(chosen)]
        )
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


def _ready(*, project: Project, action_class: ActionClass):
    """(ready clips of the class that can be served, `example`, `is_gold`): the base of every draw. A guideline
    example is shown, never asked; a clip retired with its video is never served; nor is a qualification item
    (services.qualification), which annotators answer only while qualifying."""
    example = Exists(GuidelineExample.objects.filter(clip=OuterRef("pk")))
    is_gold = Exists(GoldAnswer.objects.filter(clip=OuterRef("pk")))
    is_qualification = Exists(QualificationAnswer.objects.filter(clip=OuterRef("pk")))
    ready = Clip.objects.filter(
        action_class=action_class, video__project=project, media_state=Clip.MediaState.READY, retired_reason=""
    ).filter(~is_qualification)
    return ready, example, is_gold


def _eligible(*, annotator, project: Project, action_class: ActionClass):
    """(regular, gold) querysets of the ready clips this annotator could be given now (not labelled or leased by
    them, not a guideline example, which is shown, never asked, not retired with its video). Regular clips still need
    labels."""
    labelled, leased = _mine(annotator)
    ready, example, is_gold = _ready(project=project, action_class=action_class)
    # NOT EXISTS, not LEFT JOIN … IS NULL: the planner can then stream the queue index and stop after the rows it
    # needs (at HACS size its row estimates for one open class are far too low to trust a sort). The filter and
    # order match clip_ready_queue_idx (partial: open and ready clips only).
    regular = ready.filter(is_open=True, label_count__lt=F("required_labels") - F("lease_count")).filter(
        ~labelled, ~leased, ~example, ~is_gold
    )
    gold = ready.filter(is_gold).filter(~labelled, ~leased, ~example)
    return regular, gold


DECOY_VIDEOS = 8  # gold videos whose decoys a draw reads: more than a page's gold groups


def _decoys(*, annotator, project: Project, action_class: ActionClass, video_ids):
    """Ready clips of these videos that need no label from this annotator now (decided, or their labels all leased)
    and that they have never labelled nor hold: shown beside a gold clip so that its group is as large as a regular
    clip's. A gold clip stays in the queue for every annotator while its video's regular clips get their labels
    and leave; without decoys, the gold clip of a video would sit alone in its group more often than a regular clip
    does, which tells it (tests/security/test_gold_indistinguishable.py)."""
    _, leased = _mine(annotator)
    any_label = Exists(Label.objects.filter(clip=OuterRef("pk"), annotator=annotator))
    ready, example, is_gold = _ready(project=project, action_class=action_class)
    return (
        ready.filter(video_id__in=video_ids)
        .filter(Q(is_open=False) | Q(label_count__gte=F("required_labels") - F("lease_count")))
        .filter(~any_label, ~leased, ~example, ~is_gold)
    )


def _gold_beside(regular: int, rate: float) -> float:
    """Gold clips that make the project's `rate` of a page holding `regular` regular ones (rate = g / (r + g))."""
    return regular * rate / max(1e-9, 1 - rate)


def _gold_share(*, regular: int, gold: int, rate: float) -> int:
    """Gold clips served alongside `regular` regular ones: the project's rate of the page, never more than exist.
    One rule for the page draw and the counters, so that a counter moves the same whatever a page holds."""
    return min(gold, round(_gold_beside(regular, rate)))


def _by_video(clips) -> dict[int, list[Clip]]:
    groups: dict[int, list[Clip]] = {}
    for clip in clips:
        groups.setdefault(clip.video_id, []).append(clip)
    return groups


def _cut(group: list[Clip], k: int, rng: random.Random) -> list[Clip]:
    """k clips of a video's group, a random subset, in time order."""
    return sorted(rng.sample(group, min(k, len(group))), key=lambda c: (c.start, c.pk))


GOLD_FREE_PAGES = 0.15  # of the pages while gold lasts: a page without gold is no sign of where the work stands
# Spread a little thinner than even, so the annotator's gold outlasts their regular work: the page draw serves a
# random number of gold clips around its share, and gold run out early would leave the work's last pages without.
GOLD_SPREAD = 0.8


def _gold_for_page(*, size: int, regular: int, gold: int, rate: float, rng: random.Random) -> tuple[int, bool]:
    """(gold clips to draw for a new page of `size`, whether the page keeps them), when the annotator has `regular`
    regular and `gold` gold clips left.

    The expected number is the project's rate of the page; when the annotator's gold would run out before their
    regular work does, a share that spreads it a little thinner than evenly over what is left (GOLD_SPREAD), so it
    outlasts it; on the last page (all the regular work fits), the rate beside the regular clips left.

    While gold runs short of the rate (the usual case: a golden set is small next to the work), the counter counts
    each gold clip (queue_counts), so it moves by a page's size whatever the page holds; pages without gold then
    come at the same chance everywhere in the work (GOLD_FREE_PAGES), not only as the small pages at its end, where
    a share below one clip leaves most pages without: were the work's last pages the only ones without gold, a
    page's place in the work would say whether it is checked (tests/security/test_gold_indistinguishable.py). A page
    without gold is drawn as one with gold and then gives its gold clips up (their groups' decoys stay), so the two
    look alike. When gold is plenty, the counter moves by the rate's share of each regular clip, so every page keeps
    its share (rounded at random). The mean kept is the share either way.
    """
    if regular <= size:
        share = min(gold, _gold_beside(regular, rate))
    else:
        share = min(rate, GOLD_SPREAD * gold / max(1, regular + gold)) * size
    if share <= 0:
        return 0, False
    counted_one_by_one = gold <= round(_gold_beside(regular, rate))  # queue_counts: regular + gold
    kept = min(share, 1 - GOLD_FREE_PAGES) if counted_one_by_one else min(share, 1.0)
    n = share / kept  # at least one, drawn on every page
    return min(gold, int(n) + (rng.random() < n - int(n))), rng.random() < kept


def _draw_clips(
    *, annotator, project: Project, action_class: ActionClass, size: int, rng: random.Random | None = None
) -> tuple[list[Clip], list[Clip], list[Clip]]:
    """(regular, gold, decoys) clips for a new page of `size`, drawn as video groups.

    One rule shapes every group, regular or gold, so a group's size and members say nothing of its kind: when the
    annotator's queue holds more than a page, each video's group is cut to a random size 1..clips_per_video (a
    random subset, in time order); when the page can take all of it, groups are whole. A gold clip shares its
    group with its video's regular clips and, where those have left the queue, its decoys (_decoys), so it is never
    the odd one out. Regular clips are locked (SKIP LOCKED: 100 annotators asking at once each get different
    clips); gold clips and decoys are served to everyone and carry no lease.
    """
    rng = rng or random.Random()
    cap = max(1, project.clips_per_video)
    regular_qs, gold_qs = _eligible(annotator=annotator, project=project, action_class=action_class)
    gold_pool = list(gold_qs.only("pk", "video_id", "start"))
    gold_ids = {c.pk for c in gold_pool}
    n_gold, keep_gold = _gold_for_page(
        size=size, regular=regular_qs.count(), gold=len(gold_pool), rate=project.gold_rate, rng=rng
    )
    streamed = list(
        regular_qs.order_by("video_id", "start", "pk").select_for_update(skip_locked=True, of=("self",), no_key=True)[
            : 2 * size + cap
        ]
    )
    gold_videos = list(dict.fromkeys(c.video_id for c in gold_pool))
    rng.shuffle(gold_videos)
    sibling_qs = regular_qs.filter(video_id__in=gold_videos).exclude(pk__in=[c.pk for c in streamed])
    if n_gold:
        siblings = list(sibling_qs.select_for_update(skip_locked=True, of=("self",), no_key=True))
    else:  # read all the same (unlocked, unused): a draw that skipped it would answer sooner on gold-free pages
        list(sibling_qs)
        siblings = []
    abundant = len(streamed) + len(siblings) > size  # the regular work alone could fill more than the page
    # read on every draw, gold or not (a draw that skipped it would answer sooner on gold-free pages)
    decoy_pool = list(
        _decoys(
            annotator=annotator, project=project, action_class=action_class, video_ids=gold_videos[:DECOY_VIDEOS]
        ).only("pk", "video_id", "start")
    )

    def k_of(group: list[Clip]) -> int:
        return rng.randint(1, cap) if abundant else len(group)

    regular_by_video = _by_video([*streamed, *siblings])
    gold_by_video = _by_video(gold_pool)
    decoys_by_video = _by_video(decoy_pool)
    # The sizes this draw's regular groups can take (a video's clips still waiting for this annotator: others'
    # labels thin them out, while a gold video stays whole for everyone).
    regular_sizes = [len(group) for group in regular_by_video.values()]

    def regular_size() -> int | None:
        """A size as a regular group of this draw gets its own: one of their sizes at random, cut the same way
        (None on the last page, where every group comes whole)."""
        if not regular_sizes or not abundant:
            return None
        return min(rng.randint(1, cap), rng.choice(regular_sizes))

    # Gold groups first (with their videos' regular clips), until the page's gold share is expected. Each is given
    # a regular group's size first, then a gold video that can fill it is taken (in random order; the largest when
    # none can): a gold clip whose video's other clips this annotator has labelled would otherwise sit alone more
    # often than a regular clip does. A group's cut is not looked at to decide whether to take more (stopping at
    # the first group that happens to hold gold would make gold groups larger than others).
    full_by_video = {
        video_id: [*gold_by_video[video_id], *decoys_by_video.get(video_id, []), *regular_by_video.get(video_id, [])]
        for video_id in gold_videos
    }
    candidates = list(gold_videos)
    chosen: list[Clip] = []
    expected_gold = 0.0
    while candidates and expected_gold < n_gold:
        size_wanted = regular_size()
        if size_wanted is None:
            video_id = candidates[0]
        else:
            fits = (v for v in candidates[:DECOY_VIDEOS] if len(full_by_video[v]) >= size_wanted)
            video_id = next(fits, None) or max(candidates[:DECOY_VIDEOS], key=lambda v: len(full_by_video[v]))
        candidates.remove(video_id)
        regular_by_video.pop(video_id, None)
        full = full_by_video[video_id]
        k = min(size_wanted or k_of(full), len(full))
        chosen += [c for c in _cut(full, k, rng) if keep_gold or c.pk not in gold_ids]
        expected_gold += len(gold_by_video[video_id]) * k / len(full)
    # Then regular groups, filling the page; when the stream is short, a group is cut no smaller than the page needs.
    available = sum(len(g) for g in regular_by_video.values())
    for group in regular_by_video.values():
        need = size - len(chosen)
        if need <= 0:
            break
        available -= len(group)
        k = max(k_of(group), need - available)
        chosen += _cut(group, min(k, need), rng)
    decoy_ids = {c.pk for c in decoy_pool}
    regular = [c for c in chosen if c.pk not in gold_ids and c.pk not in decoy_ids]
    gold = [c for c in chosen if c.pk in gold_ids]
    if not abundant:  # the last page: whole gold groups may bring more gold than was drawn for it
        gold = gold[:n_gold]
    checks = [*gold, *(c for c in chosen if c.pk in decoy_ids)]
    # The full rows (drawn with a few fields), read even when no gold was drawn (an empty IN sends no query, and a
    # page without gold would come back sooner).
    rows = list(Clip.objects.filter(pk__in=[c.pk for c in checks] or [-1]))
    return regular, [c for c in rows if c.pk in gold_ids], [c for c in rows if c.pk in decoy_ids]


def queue_counts(*, annotator, project: Project, action_class: ActionClass) -> int:
    """How many clips of a class this annotator could still be shown: the regular clips, the gold share that comes
    with them (the page draw's own rule) and the decoys they may still be shown beside gold (_decoys_left).
    Leasing a page lowers it by the page's size whatever the page holds, so the counter never tells how many clips
    of a page were gold, nor how many were decoys (which only pages drawn with gold hold)."""
    regular_qs, gold_qs = _eligible(annotator=annotator, project=project, action_class=action_class)
    regular = regular_qs.count()
    if not regular:
        return 0
    gold = _gold_share(regular=regular, gold=gold_qs.count(), rate=project.gold_rate)
    return regular + gold + _decoys_left(annotator=annotator, project=project, action_class=action_class)


def _decoys_left(*, annotator, project: Project, action_class: ActionClass) -> int:
    """The decoys this annotator may still be shown: the clips of every video holding gold of the class that need
    no label from them (_decoys' own rule). A decoy is an item nobody counts as work, so a counter of work alone
    would drop by less than a page's size exactly on the pages that hold gold. A clip of such a video is either
    work waiting for the annotator (counted as regular) or a decoy (counted here) until they lease or label it, so
    others' labels move it from one count to the other and leasing a page lowers the sum by what the page holds.
    Videos whose gold the annotator has seen count too: dropping them when the gold is served would move the counter
    by more than the page on exactly the pages with gold. So it may count decoys that are never shown; the counter
    is 0 all the same once no regular clip is left."""
    gold_videos = GoldAnswer.objects.filter(clip__action_class=action_class, clip__video__project=project)
    return _decoys(
        annotator=annotator, project=project, action_class=action_class, video_ids=gold_videos.values("clip__video_id")
    ).count()


def _lock_clips(clip_ids: list[int]) -> list[Clip]:
    return list(
        Clip.objects.select_for_update(of=("self",), no_key=True)
        .filter(pk__in=clip_ids)
        .select_related("gold")
        .order_by("pk")
    )
