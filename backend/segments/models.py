"""Dense segment annotation (HACS Segments): videos in the timeline queue, each annotator's work on one, its segments.

Times are seconds from the source's first video frame (see workers/media/proxy.py): what the tool shows is what is stored
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
        default=1, help_text="independent annotations per video; with more than one, agreement is measured"
    )
    gold_rate = models.FloatField(default=0.10, help_text="chance that the next video served is a gold video")
    lease_minutes = models.PositiveSmallIntegerField(
        default=60, help_text="a video left untouched this long goes back to the queue (each autosave renews it)"
    )
    # S-CNN proposals (issue 6). They are computed for every video either way (so AR@AN can be measured); this switch
    # only decides whether annotators see them, so time per video can be compared with and without suggestions.
    suggestions = models.BooleanField(
        default=True, help_text="show S-CNN proposals in the timeline as suggestions (off: annotate without them)"
    )
    proposal_threshold = models.FloatField(
        default=0.7, help_text="mean class probability a window needs to be proposed (issue 6: 0.7)"
    )
    proposal_head_threshold = models.FloatField(
        default=0.5, help_text="with a learned head: the predicted tIoU a window needs (0.5, ActivityNet's hit)"
    )
    proposal_nms_tiou = models.FloatField(
        default=0.4, help_text="temporal NMS: a window overlapping a better one by more than this tIoU goes (0.4)"
    )
    proposal_head_min_segments = models.PositiveIntegerField(
        default=30, help_text="annotated segments needed before a learned proposal head is trained for the project"
    )

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
    action_class = models.ForeignKey(
        "catalog.ActionClass", on_delete=models.PROTECT, related_name="segment_videos", db_index=False
    )  # segvideo_queue_idx leads with it
    proxy = models.FileField(upload_to=segment_media_key, max_length=200, blank=True)
    sprite = models.FileField(upload_to=segment_media_key, max_length=200, blank=True)
    sprite_meta = models.JSONField(default=dict, blank=True, help_text="interval, tile size, columns, rows, count")
    media_state = models.CharField(max_length=8, choices=MediaState.choices, default=MediaState.PENDING)
    media_duration = models.FloatField(default=0, help_text="seconds of the proxy's video stream")
    media_fps = models.FloatField(default=0)
    has_audio = models.BooleanField(default=False)
    first_frame_offset = models.FloatField(
        default=0, help_text="first video frame minus container start (seconds); grid clip times subtract it"
    )
    # Queue bookkeeping, kept in step by segments.services under a row lock.
    required_annotations = models.PositiveSmallIntegerField(default=1)
    annotation_count = models.PositiveSmallIntegerField(default=0)
    lease_count = models.PositiveSmallIntegerField(default=0)
    is_open = models.BooleanField(default=True, help_text="still needs annotations")
    is_gold = models.BooleanField(default=False, help_text="has reference segments; served as a hidden check")
    # Set when the video was removed (mining.signals.video_removed): served to no one, not exported; rows kept.
    retired_reason = models.CharField(max_length=60, blank=True)
    final = models.ForeignKey(
        "SegmentAnnotation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="the annotation exported for this video",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["action_class", "is_open", "media_state", "is_gold"], name="segvideo_queue_idx")
        ]

    def __str__(self) -> str:
        return f"{self.video} ({self.action_class})"


class VideoQualificationAnswer(models.Model):
    """The known segments of a qualification video (issue 15): annotators who will segment its class mark it while
    qualifying and are scored against these (quality.qualification). Kept apart from the hidden golden set: a video
    with any annotation (gold, real or imported) cannot become one (segments.services.qualification), and one is
    never leased as real work nor in gold mode (segments.services.queue). Never serialised to annotators."""

    segment_video = models.OneToOneField(SegmentVideo, on_delete=models.CASCADE, related_name="qualification")
    segments = models.JSONField(default=list, help_text="[[start, end], …] seconds of the video's class, sorted")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)


class SegmentAnnotation(models.Model):
    """One person's pass over one video: leased, autosaved as a draft, then submitted or rejected.

    Annotators address it only by ``uid``. Gold annotations (an admin's reference) and imported ones are rows of the
    same table, so a gold video's task looks like any other.
    """

    class Kind(models.TextChoices):
        REGULAR = "regular"
        GOLD = "gold"
        IMPORTED = "imported"
        REVIEWED = "reviewed"  # a reviewer's settled answer (VideoDecision), made final; the annotators' rows stay

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
    annotator = models.ForeignKey(  # segann_annotator_idx leads with it
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="segment_annotations",
        db_index=False,
    )
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
    # Optimistic concurrency between two tabs on one task: each draft save moves the version on; a save or submit
    # naming an older version is refused (409), so the live tab wins and the stale one is told. The token names the
    # tab that submitted (a retry of the same submit is idempotent; another tab's is a conflict).
    version = models.PositiveIntegerField(default=0)
    submit_token = models.CharField(max_length=64, blank=True)
    # Sent back by an admin: kept for the record, no longer counted.
    active = models.BooleanField(default=True)
    # S-CNN suggestions (issue 6): set by the server when it served this task at least one suggestion, so time per
    # video can be compared with and without them; what the annotator did with them is recorded on submit.
    suggestions_shown = models.BooleanField(default=False)
    suggestions_accepted = models.PositiveSmallIntegerField(default=0, help_text="suggestions submitted as segments")
    suggestions_adjusted = models.PositiveSmallIntegerField(
        default=0, help_text="of the accepted, those whose edges the annotator moved"
    )
    suggestions_dismissed = models.PositiveSmallIntegerField(default=0)
    suggestion_decisions = models.JSONField(
        default=dict, blank=True, help_text="proposal ids: accepted, adjusted, dismissed"
    )

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


class VideoDecision(models.Model):
    """A reviewer's decision on a video whose annotators' segments differ (issue 15 item 2).

    Stored beside the annotations, never over them: the decided segments are a new annotation of kind ``reviewed``
    (``result``), made the video's final answer; the annotators' annotations stay as they were. A later decision
    deactivates the earlier result; every decision is kept.
    """

    class Source(models.TextChoices):
        TAKEN = "taken", "took one annotator's annotation"
        MERGED = "merged", "merged annotations"
        EDITED = "edited", "edited the segments"

    segment_video = models.ForeignKey(SegmentVideo, on_delete=models.CASCADE, related_name="decisions")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="video_decisions")
    source = models.CharField(max_length=6, choices=Source.choices)
    taken = models.ForeignKey(
        SegmentAnnotation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="the annotation taken (source taken), or the one the edit started from",
    )
    result = models.OneToOneField(SegmentAnnotation, on_delete=models.CASCADE, related_name="decision")
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.source} by {self.reviewer_id} on {self.segment_video_id}"


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


class SegmentProposalRun(models.Model):
    """The S-CNN proposals of one video: how far their computation is, which models made them, the sampled scores.

    One row per video, replaced in place when the proposals are recomputed (new classifiers, a new head). The class
    probabilities at the sampled times are kept (``scores``), so a new proposal head re-ranks without decoding again.
    """

    class State(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        READY = "ready"
        NO_CLASSIFIER = "no_classifier"  # no frame classifier exists (or none knows the class): no proposals, said so
        FAILED = "failed"

    class Method(models.TextChoices):
        MEAN_PROBABILITY = "mean_probability", "mean class probability (S-CNN windows)"
        PROPOSAL_HEAD = "proposal_head", "learned proposal head"

    segment_video = models.OneToOneField(SegmentVideo, on_delete=models.CASCADE, related_name="proposal_run")
    state = models.CharField(max_length=13, choices=State.choices, default=State.PENDING)
    method = models.CharField(max_length=16, choices=Method.choices, blank=True)
    progress = models.FloatField(default=0)
    message = models.CharField(max_length=500, blank=True)
    youtube_model = models.ForeignKey(
        "mining.ClassifierModel", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    web_model = models.ForeignKey(
        "mining.ClassifierModel", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    head = models.ForeignKey("SegmentProposalHead", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    sample_fps = models.FloatField(default=0)
    scores = models.BinaryField(null=True, blank=True, help_text="npz: times (s) and the class probability at each")
    threshold = models.FloatField(null=True, blank=True)
    nms_tiou = models.FloatField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"proposals of {self.segment_video_id}: {self.state}"


class SegmentProposal(models.Model):
    """One S-CNN proposal: ``[start, end]`` seconds on the timeline's axis, its score and rank (1 = best).

    A suggestion only: it never counts as an annotation. An annotator who accepts it makes an ordinary Segment of
    their own annotation; what each annotator accepted or dismissed is recorded on their SegmentAnnotation.
    """

    run = models.ForeignKey(SegmentProposalRun, on_delete=models.CASCADE, related_name="proposals")
    segment_video = models.ForeignKey(
        SegmentVideo, on_delete=models.CASCADE, related_name="proposals", db_index=False
    )  # segment_proposal_rank_unique leads with it
    start = models.FloatField()
    end = models.FloatField()
    score = models.FloatField()
    rank = models.PositiveIntegerField()

    class Meta:
        ordering = ["segment_video", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["segment_video", "rank"], name="segment_proposal_rank_unique"),
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="segment_proposal_end_after_start"),
        ]

    def __str__(self) -> str:
        return f"#{self.rank} {self.start:.3f}-{self.end:.3f} ({self.score:.2f})"


class SegmentProposalHead(models.Model):
    """A learned proposal head (logistic regression on window features, workers/proposal_head.py) for a project.

    Trained on the project's annotated segments once there are enough; used for new proposals only while it beats
    the mean-probability score on held-out videos (``active``).
    """

    project = models.ForeignKey(
        "catalog.Project", on_delete=models.CASCADE, related_name="proposal_heads", db_index=False
    )  # proposal_head_version_unique leads with it
    version = models.PositiveIntegerField()
    parameters = models.JSONField(help_text="feature names, standardisation and coefficients")
    videos = models.PositiveIntegerField(help_text="annotated videos it learnt from")
    segments = models.PositiveIntegerField(help_text="annotated segments it learnt from")
    holdout_videos = models.PositiveIntegerField(default=0)
    holdout_auc_head = models.FloatField(null=True, blank=True, help_text="AR@AN AUC on held-out videos, this head")
    holdout_auc_mean = models.FloatField(
        null=True, blank=True, help_text="AR@AN AUC on the same held-out videos, mean class probability"
    )
    active = models.BooleanField(default=False, help_text="beats the mean probability on held-out videos: in use")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "-version"]
        constraints = [models.UniqueConstraint(fields=["project", "version"], name="proposal_head_version_unique")]

    def __str__(self) -> str:
        return f"proposal head v{self.version} of {self.project_id}"
