"""Mining results per video: its stage in the pipeline, de-dup feature, shots with person and class scores,
and the versioned frame classifiers that produced the scores."""

from __future__ import annotations

import io

import numpy as np
from django.conf import settings
from django.db import models


class Stage(models.TextChoices):
    QUEUED = "queued"
    FEATURES = "features"
    DEDUP = "dedup"
    SHOTS = "shots"
    PERSONS = "persons"
    SCORES = "scores"
    SAMPLE = "sample"
    DONE = "done"
    REMOVED = "removed"


STAGE_ORDER = [
    Stage.QUEUED,
    Stage.FEATURES,
    Stage.DEDUP,
    Stage.SHOTS,
    Stage.PERSONS,
    Stage.SCORES,
    Stage.SAMPLE,
    Stage.DONE,
]


def to_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(array), allow_pickle=False)
    return buf.getvalue()


def from_bytes(data: bytes | memoryview | None) -> np.ndarray | None:
    return None if data is None else np.load(io.BytesIO(bytes(data)), allow_pickle=False)


class VideoMining(models.Model):
    """Where a video is in the pipeline. The stage advances only after a stage's rows are stored."""

    video = models.OneToOneField("catalog.Video", on_delete=models.CASCADE, related_name="mining")
    stage = models.CharField(max_length=10, choices=Stage.choices, default=Stage.QUEUED)
    feature = models.BinaryField(null=True, blank=True, help_text="mean ImageNet feature (SLAC §3.4), .npy bytes")
    duplicate_of = models.ForeignKey(
        "catalog.Video", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    removed_reason = models.CharField(max_length=40, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="an admin's removal",
    )
    strategy = models.CharField(max_length=16, blank=True)
    # Why the video got a weaker strategy than its project asks for (e.g. Random because the classifiers were
    # trained before its class existed); shown on the dashboard, empty when the project's strategy ran.
    sampling_note = models.CharField(max_length=200, blank=True)
    # A worker running a stage claims the video (host:pid, until when); a second delivery of the same task backs
    # off, unless the claimant is a dead process on the same host or its claim ran out.
    claimed_by = models.CharField(max_length=120, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)


class Shot(models.Model):
    video = models.ForeignKey(
        "catalog.Video", on_delete=models.CASCADE, related_name="shots", db_index=False
    )  # shot_index_unique (video, index) leads with it
    index = models.PositiveIntegerField()
    start = models.FloatField()
    end = models.FloatField()
    person_score = models.FloatField(null=True, blank=True)
    # Candidate frames of a person shot: times, P_Y, P_G (201-d each) and features, as one .npz blob.
    candidates = models.BinaryField(null=True, blank=True)

    class Meta:
        ordering = ["video", "index"]
        constraints = [models.UniqueConstraint(fields=["video", "index"], name="shot_index_unique")]


class ClassifierModel(models.Model):
    """A trained 201-way frame classifier (SLAC §3.6), versioned per kind."""

    class Kind(models.TextChoices):
        YOUTUBE = "youtube", "video frames (P_Y)"
        WEB = "web", "web images (P_G)"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    version = models.PositiveIntegerField()
    file = models.FileField(upload_to="models/", max_length=200)
    val_accuracy = models.FloatField()
    class_names = models.JSONField(help_text="index → class name; the last is background")
    train_counts = models.JSONField(default=dict)
    image_folder = models.CharField(max_length=500, blank=True, help_text="web: the image folder it learnt from")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "-version"]
        constraints = [models.UniqueConstraint(fields=["kind", "version"], name="classifier_version_unique")]

    def __str__(self) -> str:
        return f"{self.kind} v{self.version} ({self.val_accuracy:.1%})"


class LearningRound(models.Model):
    """One active-learning round: classifiers retrained on consensus labels, unlabelled videos re-sampled."""

    number = models.PositiveIntegerField(unique=True)
    youtube_model = models.ForeignKey(ClassifierModel, null=True, on_delete=models.SET_NULL, related_name="+")
    web_model = models.ForeignKey(ClassifierModel, null=True, on_delete=models.SET_NULL, related_name="+")
    labels_spent = models.PositiveIntegerField(help_text="active labels in the platform when the round started")
    training_clips = models.PositiveIntegerField(default=0)
    videos_resampled = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number"]
