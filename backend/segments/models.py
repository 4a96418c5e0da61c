"""Dense segment annotation (HACS Segments): videos in the timeline queue, each annotator's work on one, its segments.

Times are seconds from the source's first video frame (see workers/proxy.py): what the tool shows is what is stored
and what the ActivityNet export writes.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class SegmentSettings(models.Model):
    """Per-project knobs of segment annotation (kept here so catalog.Project stays the clip tool's)."""

    project = models.OneToOneField("catalog.Project", on_delete=models.CASCADE, related_name="segment_settings")
    annotators_per_video = models.PositiveSmallIntegerField(
        default=1, help_text="independent annotations per video; with more than one, agreement is measured")
    gold_rate = models.FloatField(default=0.10, help_text="chance that the next video served is a gold video")
    lease_minutes = models.PositiveSmallIntegerField(
        default=60, help_text="a video left untouched this long goes back to the queue (each autosave renews it)")

    class Meta:
        verbose_name_plural = "segment settings"

    def __str__(self) -> str:
        return f"Segment settings of {self.project}"


def segment_media_key(instance: SegmentVideo, filename: str) -> str:
    # One opaque key per video, the same shape for gold and other videos: the URL says nothing.
    ext = filename.rsplit(".", 1)[-1]
    return f"segments/{instance.uid.hex[:2]}/{instance.uid.hex}.{ext}"


class SegmentVideo(models.Model):
    """A video in segment annotation for one action class: its seekable proxy media and its queue bookkeeping."""

    class MediaState(models.TextChoices):
        PENDING = "pending"
        READY = "ready"
        FAILED = "failed"
        NONE = "none"  # imported without a local file: exported, never shown

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    video = models.OneToOneField("catalog.Video", on_delete=models.CASCADE, related_name="segment_video")
    action_class = models.ForeignKey("catalog.ActionClass", on_delete=models.PROTECT, related_name="segment_videos")
    proxy = models.FileField(upload_to=segment_media_key, max_length=200, blank=True)
    sprite = models.FileField(upload_to=segment_media_key, max_length=200, blank=True)
    sprite_meta = models.JSONField(default=dict, blank=True, help_text="interval, tile size, columns, rows, count")
    media_state = models.CharField(max_length=8, choices=MediaState.choices, default=MediaState.PENDING)
    media_duration = models.FloatField(default=0, help_text="seconds of the proxy's video stream")
    media_fps = models.FloatField(default=0)
    has_audio = models.BooleanField(default=False)
    first_frame_offset = models.FloatField(
        default=0, help_text="first video frame minus container start (seconds); grid clip times subtract it")
    # Queue bookkeeping, kept in step by segments.services under a row lock.
    required_annotations = models.PositiveSmallIntegerField(default=1)
    annotation_count = models.PositiveSmallIntegerField(default=0)
    lease_count = models.PositiveSmallIntegerField(default=0)
    is_open = models.BooleanField(default=True, help_text="still needs annotations")
    is_gold = models.BooleanField(default=False, help_text="has reference segments; served as a hidden check")
    final = models.ForeignKey("SegmentAnnotation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                              help_text="the annotation exported for this video")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["action_class", "is_open", "media_state", "is_gold"], name="segvideo_queue_idx")]

    def __str__(self) -> str:
        return f"{self.video} ({self.action_class})"


class SegmentAnnotation(models.Model):
    """One person's pass over one video: leased, autosaved as a draft, then submitted or rejected.

    Annotators address it only by ``uid``. Gold annotations (an admin's reference) and imported ones are rows of the
    same table, so a gold video's task looks like any other.
    """

    class Kind(models.TextChoices):
        REGULAR = "regular"
        GOLD = "gold"
        IMPORTED = "imported"

    class Status(models.TextChoices):
        LEASED = "leased"
        SUBMITTED = "submitted"
        REJECTED = "rejected"
        RELEASED = "released"  # the lease ran out; the video went back to the queue

    class RejectReason(models.TextChoices):
        TOO_BLURRY = "too_blurry", "Too blurry"
        TOO_DARK = "too_dark", "Too dark"
        NOT_PLAYABLE = "not_playable", "Not playable"
        NO_ACTION = "no_action", "No such action"
        OTHER = "other", "Other"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    segment_video = models.ForeignKey(SegmentVideo, on_delete=models.CASCADE, related_name="annotations")
    annotator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="segment_annotations")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.REGULAR)
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.LEASED)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    seconds_spent = models.FloatField(default=0)
    reject_reason = models.CharField(max_length=12, choices=RejectReason.choices, blank=True)
    reject_note = models.CharField(max_length=500, blank=True)
    draft = models.JSONField(default=dict, blank=True, help_text="autosaved work in progress")
    draft_saved_at = models.DateTimeField(null=True, blank=True)
    # Sent back by an admin: kept for the record, no longer counted.
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["segment_video", "annotator"],
                condition=Q(active=True, kind="regular", status__in=["leased", "submitted", "rejected"]),
                name="one_live_annotation_per_annotator",
            ),
        ]
        indexes = [models.Index(fields=["annotator", "status", "active"], name="segann_annotator_idx")]

    @property
    def is_done(self) -> bool:
        return self.status in (self.Status.SUBMITTED, self.Status.REJECTED)

    def __str__(self) -> str:
        return f"{self.kind} {self.status} by {self.annotator_id} on {self.segment_video_id}"


class Segment(models.Model):
    """One action instance: ``[start, end]`` seconds from the first frame, of ``action_class``."""

    annotation = models.ForeignKey(SegmentAnnotation, on_delete=models.CASCADE, related_name="segments")
    action_class = models.ForeignKey("catalog.ActionClass", on_delete=models.PROTECT, related_name="segments")
    start = models.FloatField()
    end = models.FloatField()
    position = models.PositiveSmallIntegerField(default=0, help_text="order in the file or by start time")

    class Meta:
        ordering = ["position", "start", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="segment_end_not_before_start"),
        ]

    def __str__(self) -> str:
        return f"{self.start:.3f}-{self.end:.3f}"
