"""Training the two 201-way frame classifiers (SLAC §3.6) and storing each as a versioned ClassifierModel."""

from __future__ import annotations

import io
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max

from backend.mining.models import ClassifierModel, Shot, Stage, VideoMining
from backend.mining.services import class_names
from backend.mining.stages import _analysis_frames
from workers import mining as compute

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp"}
BACKGROUND_SCORE = 0.1  # frames of shots scoring below this are "no person": SLAC's background examples


TRAIN_SIDE = 256  # training images: short side 256, central square (the classifier then crops 224, SLAC §3.4)


def square(images: np.ndarray) -> np.ndarray:
    """N×H×W×3 (any aspect) → N×256×256×3: short side to 256, central square; videos differ in aspect ratio."""
    from workers.media.frames import center_crop, resize_short_side

    return center_crop(resize_short_side(images, short_side=TRAIN_SIDE), size=TRAIN_SIDE)


def youtube_training_set(*, per_video: int = 20) -> tuple[np.ndarray, np.ndarray, dict]:
    """Frames of the mined videos: person-shot frames as their query class, no-person frames as background."""
    from workers.detection.base import shot_has_person

    names = class_names()
    index = {name: i for i, name in enumerate(names)}
    images, labels = [], []
    done = VideoMining.objects.exclude(stage__in=[Stage.QUEUED, Stage.FEATURES, Stage.DEDUP, Stage.SHOTS])
    for mining in done.exclude(removed_reason="duplicate").select_related("video", "video__query_class"):
        frames = _analysis_frames(mining.video)
        for shot in Shot.objects.filter(video=mining.video, person_score__isnull=False):
            if shot_has_person(shot.person_score):
                label = index[mining.video.query_class.name]
            elif shot.person_score < BACKGROUND_SCORE:
                label = len(names) - 1
            else:
                continue
            times = compute.training_frame_times(shot)[:per_video]
            images.append(square(frames.at(times)))
            labels += [label] * len(times)
    if not labels:
        raise ValueError("no mined frames to train on: run `manage.py mine` first")
    return np.concatenate(images), np.asarray(labels), _counts(labels, names)


WEB_IMAGES_PREFIX = "training/web"  # storage folder of the web-image sets, one sub-folder per stored set


def _web_image_files(folder: Path) -> list[tuple[str, Path]]:
    """(class folder name, image) of a local folder of web images; refuses folders that name no class."""
    index = {name.lower() for name in class_names()}
    files, unknown = [], []
    for sub in sorted(p for p in Path(folder).iterdir() if p.is_dir()):
        if sub.name.lower() not in index:
            unknown.append(sub.name)
            continue
        files += [(sub.name, p) for p in sorted(sub.iterdir()) if p.suffix.lower() in IMAGE_SUFFIXES]
    if unknown:
        raise ValueError(f"folders that name no class: {', '.join(unknown[:10])}")
    if not files:
        raise ValueError(f"no images found under {folder}")
    return files


def web_images_store(*, folder: Path) -> str:
    """Copy a local folder of web images (one sub-folder per class, plus `background/`) into storage, where any
    worker reads them (the trainer, and every later active-learning round). Returns the storage folder."""
    files = _web_image_files(folder)  # checked before anything is stored
    prefix = f"{WEB_IMAGES_PREFIX}/{uuid.uuid4().hex}"
    for class_folder, path in files:
        with path.open("rb") as fh:
            default_storage.save(f"{prefix}/{class_folder}/{path.name}", File(fh))
    return prefix


def web_images_location(folder: str | Path) -> str:
    """The storage folder of a web-image set: a local folder (a `Path`, or an absolute path recorded before sets were
    stored) is copied into storage first; a relative string already names a storage folder."""
    if isinstance(folder, Path) or Path(folder).is_absolute():
        return web_images_store(folder=Path(folder))
    return folder


def web_training_set(*, folder: str) -> tuple[np.ndarray, np.ndarray, dict]:
    """Web images under a storage folder: one sub-folder per class name, plus `background/` (SLAC's Google-image
    classifier). Read through storage, so a worker on any machine trains on them."""
    from skimage import io as skio

    names = class_names()
    index = {name.lower(): i for i, name in enumerate(names)}
    images, labels, unknown = [], [], []
    subs, _ = default_storage.listdir(folder)
    for sub in sorted(subs):
        label = index.get(sub.lower())
        if label is None:
            unknown.append(sub)
            continue
        _, files = default_storage.listdir(f"{folder}/{sub}")
        for name in sorted(f for f in files if Path(f).suffix.lower() in IMAGE_SUFFIXES):
            with default_storage.open(f"{folder}/{sub}/{name}", "rb") as fh:
                image = skio.imread(io.BytesIO(fh.read()))
            image = np.stack([image] * 3, axis=-1) if image.ndim == 2 else image[..., :3]
            images.append(square(image[None].astype(np.uint8))[0])
            labels.append(label)
    if unknown:
        raise ValueError(f"folders that name no class: {', '.join(unknown[:10])}")
    if not labels:
        raise ValueError(f"no images found under {folder}")
    return np.stack(images), np.asarray(labels), _counts(labels, names)


def _counts(labels: list[int] | np.ndarray, names: list[str]) -> dict:
    values, counts = np.unique(np.asarray(labels), return_counts=True)
    return {names[v]: int(c) for v, c in zip(values, counts, strict=True)}


def classifier_train(
    *,
    kind: str,
    folder: str | Path | None = None,
    epochs: int = 8,
    seed: int = 0,
    progress: Callable[[float], None] | None = None,
) -> ClassifierModel:
    from workers.classifiers.frame_classifier import train_frame_classifier

    web_folder = ""
    if kind == ClassifierModel.Kind.YOUTUBE:
        images, labels, counts = youtube_training_set()
    elif folder is not None:
        web_folder = web_images_location(folder)
        images, labels, counts = web_training_set(folder=web_folder)
    else:
        raise ValueError("the web-image classifier needs a folder of images (one sub-folder per class)")
    names = class_names()
    trained = train_frame_classifier(
        images=images,
        labels=labels,
        num_classes=len(names),
        epochs=epochs,
        seed=seed,
        batch_size=settings.TRAIN_BATCH_SIZE,
        progress=progress,
        device=settings.MINING_DEVICE,
    )
    return _save_classifier(
        kind=kind,
        trained=trained,
        names=names,
        counts=counts,
        image_folder=web_folder,
    )


def _save_classifier(*, kind: str, trained, names: list[str], counts: dict, image_folder: str = "") -> ClassifierModel:
    """Store a trained classifier as the next version of its kind."""
    with tempfile.TemporaryDirectory() as tmp, transaction.atomic():
        path = Path(tmp) / "model.pt"
        trained.model.save(path)
        version = (ClassifierModel.objects.filter(kind=kind).aggregate(v=Max("version"))["v"] or 0) + 1
        record = ClassifierModel(
            kind=kind,
            version=version,
            class_names=names,
            train_counts=counts,
            val_accuracy=float(np.nan_to_num(trained.val_accuracy)),
            image_folder=image_folder,
        )
        with path.open("rb") as fh:
            record.file.save(f"{kind}-v{version}.pt", File(fh), save=False)
        record.save()
    return record
