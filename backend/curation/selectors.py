"""Curation reads: which clips can be curated, the admin's filtered list, splits already stored, the export's rows.

**Curatable clips** of a class (what is scored, split and exported): clips verified positive — the gold answer when
the clip is gold, else its consensus — and clips made from an annotated segment (method ``segment``) unless they
were verified negative. A clip the grid tool has not decided yet is not curatable: HAA500 curates only clips known
to show the action.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Exists, OuterRef, Q, QuerySet

from backend.catalog.models import ActionClass, Project
from backend.clips.models import Clip, ConsensusResult
from backend.curation.models import Curation

POSITIVE = 1


def _curatable_q() -> Q:
    from backend.clips.models import GoldAnswer

    gold = GoldAnswer.objects.filter(clip=OuterRef("pk"))
    consensus = ConsensusResult.objects.filter(clip=OuterRef("pk"))

    # EXISTS, not joins: "NOT (value = -1)" over a missing row is NULL in SQL, which would drop undecided segment clips
    def verified(value: int) -> Q:  # the gold answer when the clip is gold, else its consensus
        return Q(Exists(gold.filter(value=value))) | (~Q(Exists(gold)) & Q(Exists(consensus.filter(value=value))))

    return verified(POSITIVE) | (Q(method=Clip.Method.SEGMENT) & ~verified(-POSITIVE))


def curatable_clips(*, project: Project | None, action_class: ActionClass | None = None) -> QuerySet[Clip]:
    qs = Clip.objects.filter(_curatable_q(), retired_reason="")  # not the clips of a removed video
    if project is not None:
        qs = qs.filter(video__project=project)
    if action_class is not None:
        qs = qs.filter(action_class=action_class)
    return qs


def _trimmed_q() -> Q:
    return Q(curation__first_frame__isnull=False, curation__last_frame__isnull=False)


def curation_clip_list(
    *,
    project: Project,
    action_class: ActionClass | None = None,
    min_human_centric: float | None = None,
    max_human_centric: float | None = None,
    split: str | None = None,
    trimmed: bool | None = None,
    state: str | None = None,
) -> QuerySet[Clip]:
    """The project's curatable clips with their curation (``clip.curation`` may not exist yet), filtered.

    A human-centric bound keeps only scored clips within it (inclusive); ``split=""`` means "in no split" (a clip
    without a curation row is in none); ``state`` is a human_centric_state ("none" includes clips without a row).
    Ordered by class name, video, start.
    """
    qs = curatable_clips(project=project, action_class=action_class)
    if min_human_centric is not None:
        qs = qs.filter(curation__human_centric__gte=min_human_centric)
    if max_human_centric is not None:
        qs = qs.filter(curation__human_centric__lte=max_human_centric)
    if split is not None:
        in_split = Q(curation__split=split)
        qs = qs.filter(in_split | Q(curation__isnull=True) if split == "" else in_split)
    if trimmed is not None:
        qs = qs.filter(_trimmed_q()) if trimmed else qs.exclude(_trimmed_q())
    if state is not None:
        scored_so = Q(curation__human_centric_state=state)
        no_score = state == str(Curation.ScoreState.NONE)  # str(): a TextChoices member is its value
        qs = qs.filter(scored_so | Q(curation__isnull=True) if no_score else scored_so)
    return qs.select_related("video", "action_class", "curation", "consensus", "gold").order_by(
        "action_class__name", "video__external_id", "start", "pk"
    )


def curatable_split_pool(*, project: Project, action_class: ActionClass | None = None) -> dict[str, list[dict]]:
    """Per class name, the curatable clips as ``{"clip", "video", "trimmed", "human_centric"}`` (clip and video ids;
    the human-centric score, or None when not scored)."""
    rows = (
        curatable_clips(project=project, action_class=action_class)
        .values_list(
            "pk",
            "video_id",
            "action_class__name",
            "curation__first_frame",
            "curation__last_frame",
            "curation__human_centric",
        )
        .order_by("action_class__name", "pk")
    )
    pool: dict[str, list[dict]] = defaultdict(list)
    for clip_id, video_id, name, first, last, score in rows:
        trimmed = first is not None and last is not None
        pool[name].append({"clip": clip_id, "video": video_id, "trimmed": trimmed, "human_centric": score})
    return dict(pool)


def split_bindings(*, project: Project, other_than: list[str]) -> dict[int, str]:
    """Video id → split, for the videos whose clips of classes *not* in ``other_than`` are in a stored split."""
    rows = (
        Curation.objects.filter(clip__video__project=project)
        .exclude(split="")
        .exclude(clip__action_class__name__in=other_than)
        .values_list("clip__video_id", "split")
        .distinct()
    )
    bound: dict[int, set[str]] = defaultdict(set)
    for video_id, split in rows:
        bound[video_id].add(split)
    mixed = sorted(v for v, splits in bound.items() if len(splits) > 1)
    if mixed:  # only a hand edit can do this: make_splits never puts a video in two splits
        raise ValueError(f"videos {mixed[:10]} already have clips in two splits; re-split their classes together")
    return {video_id: splits.pop() for video_id, splits in bound.items()}


def haa500_split_clips(*, project: Project | None = None) -> QuerySet[Clip]:
    """The clips in a split, with what the HAA500 export writes, ordered by class, split, video and start."""
    qs = Clip.objects.filter(curation__isnull=False, retired_reason="").exclude(curation__split="")
    if project is not None:
        qs = qs.filter(video__project=project)
    return qs.select_related("video", "action_class", "curation").order_by(
        "action_class__name", "curation__split", "video__external_id", "start", "pk"
    )
