"""Candidate clips, the pages annotators lease, their labels, and the consensus decided from them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


def clip_media_key(instance: Clip, filename: str) -> str:
    # One opaque key per clip: nothing in a media URL tells a gold clip from another.
    ext = filename.rsplit(".", 1)[-1]
    return f"clips/{instance.uid.hex[:2]}/{instance.uid.hex}.{ext}"


class Clip(models.Model):
    class Method(models.TextChoices):
        RANDOM = "random"
        MAX_ENTROPY = "max_entropy"
        MAX_CONSENSUS = "max_consensus"
        QBC = "qbc"
        IMPORTED = "imported"
        SEGMENT = "segment"  # made from an annotated segment, to be trimmed (curation)

    class MediaState(models.TextChoices):
        PENDING = "pending"
        READY = "ready"
        FAILED = "failed"
        NONE = "none"  # imported rows without a local video

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # No index of their own: clip_unique_span leads with video, clip_queue_idx with action_class (docs/benchmarks_scale.md).
    video = models.ForeignKey("catalog.Video", on_delete=models.CASCADE, related_name="clips", db_index=False)
    # The class the clip is verified for: the video's query class unless mining says otherwise.
    action_class = models.ForeignKey(
        "catalog.ActionClass", on_delete=models.PROTECT, related_name="clips", db_index=False
    )
    start = models.FloatField()
    end = models.FloatField()
    method = models.CharField(max_length=16, choices=Method.choices, default=Method.RANDOM)
    scores = models.JSONField(default=dict, blank=True)
    media = models.FileField(upload_to=clip_media_key, max_length=200, blank=True)
    poster = models.FileField(upload_to=clip_media_key, max_length=200, blank=True)
    media_state = models.CharField(max_length=8, choices=MediaState.choices, default=MediaState.PENDING)
    # Queue bookkeeping, kept in step by clips.services under a row lock.
    required_labels = models.PositiveSmallIntegerField(default=3)
    label_count = models.PositiveSmallIntegerField(default=0)
    lease_count = models.PositiveSmallIntegerField(default=0)
    is_open = models.BooleanField(default=True, help_text="still needs labels")
    # Set when the clip's video was removed (a duplicate, no person, an admin): the clip is closed for good, drawn on
    # no page, in no export; its labels, consensus and gold answer are kept for the record. Empty: a live clip.
    retired_reason = models.CharField(max_length=60, blank=True)
    learning_round = models.ForeignKey(
        "mining.LearningRound",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="clips",
        help_text="the active-learning round that sampled it",
        db_index=False,  # clip_learning_round_idx: partial, since imported and segment clips have none
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["action_class", "is_open", "media_state", "video", "start"], name="clip_queue_idx"),
            # The next-page draw (services._draw_clips): its filter and order, over the clips it can give out
            # only — small and cheap to keep even when most of 1.55M clips are closed.
            models.Index(
                fields=["action_class", "video", "start", "id"],
                name="clip_ready_queue_idx",
                condition=Q(is_open=True, media_state="ready"),
            ),
            # A round's clips (mining's reports; SET NULL when a round is deleted): sampled clips only, so an
            # import of 1.55M clips without a round writes nothing here.
            models.Index(
                fields=["learning_round"], name="clip_learning_round_idx", condition=Q(learning_round__isnull=False)
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="clip_end_after_start"),
            models.UniqueConstraint(fields=["video", "action_class", "start", "end"], name="clip_unique_span"),
        ]

    def __str__(self) -> str:
        return f"{self.video_id}@{self.start:.2f}-{self.end:.2f}"


class Page(models.Model):
    """A page of clips leased to one annotator until it is submitted or the lease runs out."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pages", db_index=False
    )  # page_open_idx leads with it
    project = models.ForeignKey("catalog.Project", on_delete=models.CASCADE, related_name="pages")
    action_class = models.ForeignKey("catalog.ActionClass", on_delete=models.CASCADE, related_name="pages")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True, help_text="lease ran out; clips went back")
    seconds_spent = models.FloatField(null=True, blank=True)
    # When the annotator's browser put the page on screen (a prefetched page is leased before); submissions
    # sooner than the floor after it are refused. The token names the tab that submitted (two tabs, retries).
    shown_at = models.DateTimeField(null=True, blank=True)
    submit_token = models.CharField(max_length=64, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["annotator", "submitted_at", "released_at"], name="page_open_idx"),
            # services.pages_release_expired, run by every next page: the open leases only, by expiry.
            models.Index(
                fields=["expires_at"],
                name="page_lease_expiry_idx",
                condition=Q(submitted_at__isnull=True, released_at__isnull=True),
            ),
        ]


class PageItem(models.Model):
    """A clip on a page. Annotators address clips by the item's uid, never by the clip's id."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    page = models.ForeignKey(
        Page, on_delete=models.CASCADE, related_name="items", db_index=False
    )  # clip_once_per_page (page, clip) leads with it
    clip = models.ForeignKey(Clip, on_delete=models.CASCADE, related_name="page_items")
    position = models.PositiveSmallIntegerField()
    # A clip of a gold clip's video that needs no label from this annotator (decided, or its labels all leased),
    # shown so that the gold clip's group is as large as a regular clip's: it carries no lease and its label is
    # kept, never counted (services.pages._draw_clips).
    decoy = models.BooleanField(default=False)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["page", "clip"], name="clip_once_per_page")]


class Label(models.Model):
    class Value(models.IntegerChoices):
        POSITIVE = 1
        NEGATIVE = -1

    clip = models.ForeignKey(Clip, on_delete=models.CASCADE, related_name="labels")
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="labels", db_index=False
    )  # label_annotator_idx leads with it
    page = models.ForeignKey(Page, null=True, blank=True, on_delete=models.SET_NULL, related_name="labels")
    value = models.SmallIntegerField(choices=Value.choices)
    seconds_spent = models.FloatField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    # Counted towards consensus and accuracy. Inactive: sent back by an admin (kept for the record, no longer
    # counted), or the label of a decoy item (PageItem.decoy), which is never counted.
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clip", "annotator"], condition=Q(active=True), name="one_active_label_per_annotator"
            ),
        ]
        indexes = [models.Index(fields=["annotator", "active"], name="label_annotator_idx")]


class ClipDecision(models.Model):
    """A reviewer's decision on a clip whose annotators disagree (issue 15 item 2).

    Stored beside the labels, never over them: the labels stay as they were, and the consensus rule
    (clips/consensus.py: ``settle``) reads the latest decision first. Earlier decisions are kept for the record.
    """

    clip = models.ForeignKey(Clip, on_delete=models.CASCADE, related_name="decisions", db_index=False)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="clip_decisions")
    value = models.SmallIntegerField(choices=Label.Value.choices)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["clip", "-created_at"], name="clipdecision_latest_idx")]


class ConsensusResult(models.Model):
    class Source(models.TextChoices):
        # Where the exported label came from (clips/consensus.py: label_source).
        SINGLE = "single"  # one label
        UNANIMOUS = "unanimous"  # every label agrees
        MAJORITY = "majority"  # the labels split; the majority (or Dawid–Skene) decided
        ADJUDICATED = "adjudicated"  # the labels split; a reviewer decided (ClipDecision)
        IMPORTED = "imported"  # decided elsewhere: an imported file, no labels here

    clip = models.OneToOneField(Clip, on_delete=models.CASCADE, related_name="consensus")
    value = models.SmallIntegerField(choices=Label.Value.choices)
    mode = models.CharField(max_length=16)  # fixed, adaptive, imported, dawid_skene
    n_labels = models.PositiveSmallIntegerField()
    unanimous = models.BooleanField()
    source = models.CharField(max_length=11, choices=Source.choices, default=Source.MAJORITY)
    decided_at = models.DateTimeField(auto_now=True)


class GoldAnswer(models.Model):
    """The known answer of a gold clip. Never serialised to annotators.

    Its table keeps the name it had in the quality app, where it lived first.
    """

    clip = models.OneToOneField(Clip, on_delete=models.CASCADE, related_name="gold")
    value = models.SmallIntegerField(choices=[(1, "positive"), (-1, "negative")])
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "quality_goldanswer"


class QualificationAnswer(models.Model):
    """The known answer of a qualification clip (issue 15): shown to annotators who qualify for its class, scored,
    and never drawn on a real page. A clip is gold or a qualification item, never both (clips.services.qualification),
    so the hidden golden set stays unseen by anyone who qualified. Never serialised to annotators."""

    clip = models.OneToOneField(Clip, on_delete=models.CASCADE, related_name="qualification")
    value = models.SmallIntegerField(choices=[(1, "positive"), (-1, "negative")])
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
