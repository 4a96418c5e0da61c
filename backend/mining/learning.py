"""Active learning (issue 6): retrain both frame classifiers on consensus-labelled clips, then re-score and
re-sample the videos nobody has labelled yet, so the next pages come from the better models."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np
from django.db import transaction
from django.db.models import Count, Max, Q

from backend.clips.models import Clip, Label
from backend.core.tasks import task_publish_on_commit
from backend.mining.models import ClassifierModel, LearningRound, Stage, VideoMining
from backend.mining.services import class_names, latest_classifiers
from backend.mining.signals import classifiers_retrained

Progress = Callable[[float], None]
log = logging.getLogger("actionloom.mining")


def consensus_training_set() -> tuple[np.ndarray, np.ndarray, int]:
    """Each consensus clip's middle frame (its poster): positives as their class, negatives as background.

    Negatives of a class are SLAC's hard negatives: the classifiers and the sampler thought they were the class.
    """
    from skimage import io as skio

    from backend.mining.training import square

    names = class_names()
    index = {name: i for i, name in enumerate(names)}
    images, labels = [], []
    clips = Clip.objects.filter(consensus__isnull=False).exclude(poster="").select_related("action_class", "consensus")
    for clip in clips.iterator(chunk_size=500):
        with clip.poster.open("rb") as fh:
            image = skio.imread(fh)
        image = np.stack([image] * 3, axis=-1) if image.ndim == 2 else image[..., :3]
        images.append(square(image[None].astype(np.uint8))[0])
        labels.append(index[clip.action_class.name] if clip.consensus.value == 1 else len(names) - 1)
    if not images:
        raise ValueError("no consensus-labelled clips with media yet: label some pages first")
    return np.stack(images), np.asarray(labels), len(images)


def learning_round_run(*, epochs: int = 4, resample: bool = True, progress: Progress | None = None) -> LearningRound:
    from backend.mining.training import _counts, _save_classifier, web_training_set, youtube_training_set
    from workers.classifiers.frame_classifier import train_frame_classifier

    images, labels, n_clips = consensus_training_set()
    names = class_names()
    _, previous_web = latest_classifiers()
    sets = {ClassifierModel.Kind.YOUTUBE: [(images, labels)], ClassifierModel.Kind.WEB: [(images, labels)]}
    try:  # each classifier keeps its own kind of data too, so the committee stays two different views
        y_images, y_labels, _ = youtube_training_set()
        sets[ClassifierModel.Kind.YOUTUBE].append((y_images, y_labels))
    except ValueError:
        pass
    web_folder = _previous_web_images(previous_web)
    if web_folder:
        w_images, w_labels, _ = web_training_set(folder=web_folder)
        sets[ClassifierModel.Kind.WEB].append((w_images, w_labels))
    models = {}
    for step, (kind, parts) in enumerate(sets.items()):
        x = np.concatenate([p[0] for p in parts])
        y = np.concatenate([p[1] for p in parts])
        trained = train_frame_classifier(
            images=x,
            labels=y,
            num_classes=len(names),
            epochs=epochs,
            seed=step,
            progress=(lambda f, s=step: progress((s + f) / 2)) if progress else None,
        )
        models[kind] = _save_classifier(
            kind=kind,
            trained=trained,
            names=names,
            counts=_counts(y, names),
            image_folder=web_folder if kind == ClassifierModel.Kind.WEB else "",
        )
    with transaction.atomic():
        number = (LearningRound.objects.aggregate(n=Max("number"))["n"] or 0) + 1
        round_ = LearningRound.objects.create(
            number=number,
            youtube_model=models[ClassifierModel.Kind.YOUTUBE],
            web_model=models[ClassifierModel.Kind.WEB],
            labels_spent=Label.objects.filter(active=True).count(),
            training_clips=n_clips,
        )
    if resample:
        round_.videos_resampled = videos_resample()
        round_.save(update_fields=["videos_resampled"])
    classifiers_retrained.send(sender=LearningRound)  # segments re-scores the timeline's suggestions with them
    return round_


def _previous_web_images(previous_web: ClassifierModel | None) -> str:
    """The storage folder of the web images the current web classifier learnt from, or "" when it has none.

    A classifier trained before web images were stored recorded a local folder: it is stored now if this machine
    has it (the new version records the stored copy); a worker on another machine goes without, and says so.
    """
    from backend.mining.training import web_images_location

    folder = previous_web.image_folder if previous_web is not None else ""
    if folder and Path(folder).is_absolute() and not Path(folder).is_dir():
        log.warning("web images at %s are not on this machine: the web classifier retrains without them", folder)
        return ""
    return web_images_location(folder) if folder else ""


def videos_resample() -> int:
    """Re-score and re-sample every mined video none of whose clips has a label yet (their clips are replaced)."""
    from backend.mining.tasks import mine_stage_task

    untouched = (
        VideoMining.objects.filter(stage=Stage.DONE)
        .annotate(labelled=Count("video__clips", filter=Q(video__clips__label_count__gt=0)))
        .filter(labelled=0)
    )
    ids = list(untouched.values_list("video_id", flat=True))
    VideoMining.objects.filter(video_id__in=ids).update(stage=Stage.PERSONS)  # next: scores, then sample
    for video_id in ids:
        task_publish_on_commit(mine_stage_task, video_id)
    return len(ids)


def learning_rounds_report() -> list[dict]:
    """Per round: classifier validation accuracy, and for the clips it sampled the positive rate, the
    disagreement rate (share of consensus decisions that were not unanimous) and the labels they took."""
    rows = []
    for round_ in LearningRound.objects.select_related("youtube_model", "web_model"):
        clips = Clip.objects.filter(learning_round=round_)
        agg = clips.aggregate(
            sampled=Count("pk"),
            decided=Count("consensus"),
            positive=Count("consensus", filter=Q(consensus__value=1)),
            split=Count("consensus", filter=Q(consensus__unanimous=False)),
        )
        labels = Label.objects.filter(clip__learning_round=round_, active=True).count()
        rows.append(
            {
                "round": round_.number,
                "created_at": round_.created_at.isoformat(),
                "youtube_accuracy": round_.youtube_model.val_accuracy if round_.youtube_model else None,
                "web_accuracy": round_.web_model.val_accuracy if round_.web_model else None,
                "training_clips": round_.training_clips,
                "videos_resampled": round_.videos_resampled,
                "labels_spent_before": round_.labels_spent,
                "sampled": agg["sampled"],
                "decided": agg["decided"],
                "labels": labels,
                "positive_rate": agg["positive"] / agg["decided"] if agg["decided"] else None,
                "disagreement_rate": agg["split"] / agg["decided"] if agg["decided"] else None,
            }
        )
    return rows
