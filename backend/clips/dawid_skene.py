"""Dawid–Skene consensus next to the 2-of-3 majority (issue 6): one fit over all of a project's labels, with the
gold answers clamped, gives each annotator a sensitivity and specificity and each clip a posterior; the final
label is the posterior's. Applied, it replaces the majority label of decided clips (mode "dawid_skene"), which the
exports then carry. Majority stays the default: without gold, Dawid–Skene can do worse (workers/consensus_models.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from backend.catalog.models import Project
from backend.clips.models import ConsensusResult, GoldAnswer, Label
from workers.consensus_models import dawid_skene

MODE = "dawid_skene"


@dataclass(frozen=True)
class DawidSkeneReport:
    clips: int  # decided clips compared
    changed: int  # whose label Dawid–Skene gives differently from majority
    annotators: dict[str, float]  # estimated accuracy per annotator
    applied: bool


def consensus_dawid_skene(*, project: Project, apply: bool = False) -> DawidSkeneReport:
    labels = list(
        Label.objects.filter(clip__video__project=project, active=True).values_list("clip_id", "annotator_id", "value")
    )
    gold = dict(GoldAnswer.objects.filter(clip__video__project=project).values_list("clip_id", "value"))
    if not labels:
        raise ValueError(f"project {project.name!r} has no labels yet")
    fit = dawid_skene(labels=labels, gold=gold)
    decided = {c.clip_id: c for c in ConsensusResult.objects.filter(clip__video__project=project)}
    changed = [c for clip_id, c in decided.items() if clip_id in fit.clips and fit.label_of(clip_id) != c.value]
    names = dict(get_user_model().objects.filter(pk__in={a for _, a, _ in labels}).values_list("pk", "username"))
    if apply:
        with transaction.atomic():
            for clip_id, result in decided.items():
                # A reviewer's decision (issue 15 item 2) stands: Dawid–Skene replaces only the majority's label.
                if clip_id in fit.clips and result.source != ConsensusResult.Source.ADJUDICATED:
                    result.value, result.mode = fit.label_of(clip_id), MODE
                    result.save(update_fields=["value", "mode", "decided_at"])
    return DawidSkeneReport(
        clips=len(decided),
        changed=len(changed),
        applied=apply,
        annotators={names[a]: acc for a, acc in fit.annotator_accuracy().items()},
    )
