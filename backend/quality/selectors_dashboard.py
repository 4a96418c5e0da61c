"""The admin dashboard's reads, set-based: a fixed number of grouped queries whatever the number of classes and
annotators (issue 14: 200 classes × 100 annotators), so the page can poll the answer every few seconds.

The per-annotator × per-class breakdown is not in the polled answer (20,000 cells at that size): the answer names
only the classes where an annotator is below the gate; `dashboard_class` gives one class's breakdown on demand.
"""

from __future__ import annotations

from collections import defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, F, Q, Sum, Window
from django.db.models.functions import RowNumber, TruncDate

from backend.catalog.models import ActionClass, Project
from backend.clips.models import Clip, ConsensusResult, Label
from backend.quality.selectors import CORRECT, GOLD_CHECK, Accuracy, is_flagged, is_too_fast


def _project_users(project: Project):
    return get_user_model().objects.filter(annotator_groups__project=project).distinct().order_by("username")


def _project_classes(project: Project):
    return ActionClass.objects.filter(annotator_groups__project=project).distinct().order_by("name")


def _accuracy_row(acc: Accuracy, project: Project) -> dict:
    return {
        "gold_answers": acc.gold_answers,
        "correct": acc.correct,
        "accuracy": acc.accuracy,
        "flagged": is_flagged(accuracy=acc, project=project),
    }


def labels_seconds_median(labels) -> dict[int, float]:
    """Median `seconds_spent` per annotator of a Label queryset, in one query: each annotator's labels numbered in
    order of seconds, only the middle one (odd count) or two (even count) fetched: 2·row ∈ [n, n + 2]."""
    ranked = (
        labels.annotate(
            row=Window(RowNumber(), partition_by=[F("annotator_id")], order_by=F("seconds_spent").asc()),
            n=Window(Count("pk"), partition_by=[F("annotator_id")]),
        )
        .annotate(twice=F("row") * 2)
        .filter(twice__gte=F("n"), twice__lte=F("n") + 2)
        .values_list("annotator_id", "seconds_spent")
    )
    middles: dict[int, list[float]] = defaultdict(list)
    for annotator_id, seconds in ranked:
        middles[annotator_id].append(seconds)
    return {a: sum(v) / len(v) for a, v in middles.items()}


def dashboard(*, project: Project) -> dict:
    """Everything the admin dashboard polls, as plain data: per annotator, per class, agreement."""
    users = list(_project_users(project))
    classes = list(_project_classes(project))
    names = {c.pk: c.name for c in classes}
    user_ids = [u.pk for u in users]
    gold_labels = Label.objects.filter(GOLD_CHECK, annotator_id__in=user_ids, active=True)
    # Overall accuracy counts every gold answer of the annotator (as annotator_accuracy does), per class only this
    # project's classes.
    overall = {
        r["annotator_id"]: Accuracy(r["n"], r["correct"])
        for r in gold_labels.values("annotator_id").annotate(n=Count("pk"), correct=CORRECT)
    }
    flagged_classes: dict[int, list[dict]] = defaultdict(list)
    per_pair = (
        gold_labels.filter(clip__action_class_id__in=names)
        .values("annotator_id", "clip__action_class_id")
        .annotate(n=Count("pk"), correct=CORRECT)
        .order_by("annotator_id", "clip__action_class__name")
    )
    for r in per_pair:
        acc = Accuracy(r["n"], r["correct"])
        if is_flagged(accuracy=acc, project=project):
            class_id = r["clip__action_class_id"]
            flagged_classes[r["annotator_id"]].append(
                {"class_id": class_id, "class": names[class_id], **_accuracy_row(acc, project)}
            )
    project_labels = Label.objects.filter(annotator_id__in=user_ids, active=True, clip__video__project=project)
    throughput = {
        r["annotator_id"]: r
        for r in project_labels.values("annotator_id").annotate(n=Count("pk"), seconds=Sum("seconds_spent"))
    }
    medians = labels_seconds_median(project_labels)
    annotators = []
    for user in users:
        acc = overall.get(user.pk, Accuracy(0, 0))
        n = throughput.get(user.pk, {}).get("n", 0)
        seconds = throughput.get(user.pk, {}).get("seconds") or 0.0
        median_seconds = medians.get(user.pk)
        row = _accuracy_row(acc, project)
        annotators.append(
            {
                "id": user.pk,
                "username": user.username,
                **row,
                "flagged": row["flagged"] or bool(flagged_classes[user.pk]),
                "labels": n,
                "seconds_per_clip": seconds / n if n else None,
                "clips_per_hour": n / (seconds / 3600) if seconds else None,
                "median_seconds_per_clip": median_seconds,
                "too_fast": is_too_fast(median_seconds=median_seconds, labels=n),
                "flagged_classes": flagged_classes[user.pk],
            }
        )
    results = ConsensusResult.objects.filter(clip__video__project=project)
    agreed = results.aggregate(n=Count("pk"), unanimous=Count("pk", filter=Q(unanimous=True)))
    # Where the decided labels came from: the same stored source the exports write (clips/consensus.py: settle).
    by_source = dict(results.order_by().values_list("source").annotate(n=Count("pk")).values_list("source", "n"))
    return {
        "project": {
            "id": project.pk,
            "name": project.name,
            "accuracy_gate": project.accuracy_gate,
            "consensus_mode": project.consensus_mode,
            "qualification_required": project.qualification_required,
            "qualification_scope": project.qualification_scope,
            "gold_rate": project.gold_rate,
            "fast_seconds_per_clip": settings.FAST_SECONDS_PER_CLIP,
            "fast_min_labels": settings.FAST_MIN_LABELS,
        },
        "annotators": annotators,
        "progress": class_progress(project=project, classes=classes),
        "agreement_rate": agreed["unanimous"] / agreed["n"] if agreed["n"] else None,
        "consensus_clips": agreed["n"],
        "label_sources": {source: by_source.get(source, 0) for source in ConsensusResult.Source.values},
    }


def class_progress(*, project: Project, classes: list[ActionClass]) -> list[dict]:
    """Per class: clips sampled, with media, labelled once / twice / thrice, decided; gold clips. Two grouped queries.

    Guideline examples are shown, never asked: they are not part of the work; nor are the clips retired with a
    removed video (their labels are kept, but they are no longer work to do or results to count)."""
    live = Clip.objects.filter(action_class__in=classes, video__project=project, retired_reason="")
    counts = {
        r["action_class_id"]: r
        for r in live.filter(gold__isnull=True, example_roles__isnull=True)
        .values("action_class_id")
        .annotate(
            sampled=Count("pk", distinct=True),
            ready=Count("pk", filter=Q(media_state=Clip.MediaState.READY), distinct=True),
            once=Count("pk", filter=Q(label_count=1), distinct=True),
            twice=Count("pk", filter=Q(label_count=2), distinct=True),
            thrice=Count("pk", filter=Q(label_count__gte=3), distinct=True),
            decided=Count("consensus", distinct=True),  # not "consensus": the name would hide the relation
            positive=Count("consensus", filter=Q(consensus__value=1), distinct=True),
        )
    }
    gold = dict(
        live.filter(gold__isnull=False)
        .values("action_class_id")
        .annotate(n=Count("pk"))
        .values_list("action_class_id", "n")
    )
    empty = dict.fromkeys(("sampled", "ready", "once", "twice", "thrice", "consensus", "positive"), 0)
    progress = []
    for cls in classes:
        found = counts.get(cls.pk, {})
        row = {k: found.get("decided" if k == "consensus" else k, 0) for k in empty}
        progress.append({"class_id": cls.pk, "class": cls.name, "gold": gold.get(cls.pk, 0), **row})
    return progress


def dashboard_class(*, project: Project, action_class: ActionClass) -> dict:
    """One class in detail, fetched when the admin opens it: each annotator's golden accuracy and active labels in
    the class (members of a group that labels it, and anyone else with labels in it), and labels per day."""
    labels = Label.objects.filter(active=True, clip__action_class=action_class, clip__video__project=project)
    per_user = {
        r["annotator_id"]: r
        for r in labels.values("annotator_id").annotate(
            labels=Count("pk"),
            n=Count("pk", filter=GOLD_CHECK),
            correct=CORRECT,
        )
    }
    members = get_user_model().objects.filter(
        Q(annotator_groups__project=project, annotator_groups__classes=action_class) | Q(pk__in=per_user)
    )
    annotators = []
    for user in members.distinct().order_by("username"):
        r = per_user.get(user.pk, {})
        acc = Accuracy(r.get("n", 0), r.get("correct", 0))
        annotators.append(
            {"id": user.pk, "username": user.username, "labels": r.get("labels", 0), **_accuracy_row(acc, project)}
        )
    per_day = labels.annotate(day=TruncDate("created_at")).values("day").annotate(n=Count("pk")).order_by("day")
    return {
        "class_id": action_class.pk,
        "class": action_class.name,
        "accuracy_gate": project.accuracy_gate,
        "annotators": annotators,
        "labels_per_day": [{"day": r["day"].isoformat(), "labels": r["n"]} for r in per_day],
    }
