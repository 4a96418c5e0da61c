"""Catalog: projects, the action-class tree with its guidelines, and videos."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

SAMPLING_CHOICES = [
    ("random", "Random"),
    ("max_entropy", "Max-Entropy (HACS)"),
    ("max_consensus", "Max-Consensus (HACS)"),
    ("qbc", "Query by committee (SLAC)"),
    ("union", "Random ∪ Max-Entropy ∪ Max-Consensus (HACS)"),
]


# The most clips one grid page holds (the page draw's cap). A project's page size above it is refused where it is set,
# not saved and then served smaller without a word (issue 14).
MAX_PAGE_SIZE = 200


class Project(models.Model):
    """A labelling project: its videos, queues and the quality-control knobs that apply to them."""

    class DefaultLabel(models.TextChoices):
        POSITIVE = "positive", "Positive (click the wrong ones)"
        NEGATIVE = "negative", "Negative (click the right ones)"

    class ConsensusMode(models.TextChoices):
        FIXED = "fixed", "3 labels, 2-of-3 majority"
        ADAPTIVE = "adaptive", "2 agreeing labels, 3rd only on disagreement"

    name = models.CharField(max_length=200, unique=True)
    # HACS/SLAC paid annotators to click only clips whose label is wrong: the grid starts from this state.
    default_label = models.CharField(max_length=10, choices=DefaultLabel.choices, default=DefaultLabel.POSITIVE)
    consensus_mode = models.CharField(max_length=10, choices=ConsensusMode.choices, default=ConsensusMode.FIXED)
    clips_per_video = models.PositiveSmallIntegerField(default=3)
    page_size = models.PositiveSmallIntegerField(
        default=60,
        validators=[
            MinValueValidator(1, message="A page holds at least 1 clip."),
            MaxValueValidator(
                MAX_PAGE_SIZE,
                message="A page holds at most %(limit_value)s clips: %(show_value)s is too many. "
                "Set %(limit_value)s or fewer.",
            ),
        ],
        help_text=f"clips on one grid page, 1 to {MAX_PAGE_SIZE}",
    )
    gold_rate = models.FloatField(default=0.10, help_text="share of each page filled with gold clips")
    accuracy_gate = models.FloatField(default=0.90, help_text="golden accuracy below which an annotator is flagged")
    min_gold_for_gate = models.PositiveSmallIntegerField(default=3)
    lease_minutes = models.PositiveSmallIntegerField(default=30)
    # Mining (issue 4): off, candidates are uniform random at ingest; on, ingest starts the mining pipeline.
    mining_enabled = models.BooleanField(default=False)
    # HACS §3.3.2: Max-Consensus trains the best models; a mix of methods gives the least biased evaluation set.
    sampling_training = models.CharField(max_length=16, choices=SAMPLING_CHOICES, default="qbc")
    sampling_evaluation = models.CharField(max_length=16, choices=SAMPLING_CHOICES, default="union")
    # Qualification (issue 15; HACS trained annotators on the guideline, SLAC kept those at >= 90 % on gold): when
    # required, an annotator gets no real work of a class until they pass its qualification set (catalog.qualification).
    qualification_required = models.BooleanField(
        default=False, help_text="annotators pass each class's qualification set before real work"
    )

    # Issue 15: "per class (or per project, a setting)". Per class, a pass opens its class alone; per project, one
    # pass on the set of every class the annotator labels in the project opens them all. Attempts made under the
    # other setting do not count (catalog.qualification: an attempt's class is its scope, null for the project).
    class QualificationScope(models.TextChoices):
        CLASS = "class", "per class"
        PROJECT = "project", "per project"

    qualification_scope = models.CharField(
        max_length=7,
        choices=QualificationScope.choices,
        default=QualificationScope.CLASS,
        help_text="per class: a pass opens its class only; per project: one set over all the annotator's classes",
    )
    qualification_pass_mark = models.FloatField(default=0.90, help_text="share of the qualification set to get right")
    qualification_max_attempts = models.PositiveSmallIntegerField(
        default=3, help_text="attempts per class and guideline version, until an admin resets one"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class ActionClass(models.Model):
    """A node of the action taxonomy (ActivityNet: 272 nodes, 200 leaves). Any depth, so HAA500 fits."""

    node_id = models.IntegerField(unique=True, help_text="ActivityNet nodeId, kept for exports")
    name = models.CharField(max_length=200, unique=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    is_leaf = models.BooleanField(default=False, db_index=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "action classes"

    def __str__(self) -> str:
        return self.name


class Guideline(models.Model):
    """What an annotator reads beside the grid: definition, and examples of positives and hard negatives."""

    action_class = models.OneToOneField(ActionClass, on_delete=models.CASCADE, related_name="guideline")
    definition = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Guideline for {self.action_class}"


class GuidelineExample(models.Model):
    class Kind(models.TextChoices):
        POSITIVE = "positive", "Positive example"
        HARD_NEGATIVE = "hard_negative", "Hard negative"

    guideline = models.ForeignKey(
        Guideline, on_delete=models.CASCADE, related_name="examples", db_index=False
    )  # one_example_role_per_clip (guideline, clip) leads with it
    kind = models.CharField(max_length=16, choices=Kind.choices)
    clip = models.ForeignKey("clips.Clip", on_delete=models.CASCADE, related_name="example_roles")
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["guideline", "clip"], name="one_example_role_per_clip")]


class Clarification(models.Model):
    """An admin's addition to a class guideline; every annotator of the class acknowledges it once."""

    action_class = models.ForeignKey(ActionClass, on_delete=models.CASCADE, related_name="clarifications")
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # A clarification that changes the guideline: qualifications passed before it no longer count (issue 15).
    changes_guideline = models.BooleanField(default=False, help_text="annotators of the class must re-qualify")
    acknowledged_by = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="ClarificationAck", related_name="acknowledged_clarifications"
    )

    class Meta:
        ordering = ["created_at"]


class ClarificationAck(models.Model):
    clarification = models.ForeignKey(Clarification, on_delete=models.CASCADE, db_index=False)  # ack_once leads with it
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    acknowledged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["clarification", "user"], name="ack_once")]


class QualificationAttempt(models.Model):
    """One submission of a qualification set by an annotator (a class's, or the project's): its score only, never
    shown per item.

    Written by `catalog.qualification.qualification_attempt_record` (the quality app scores it); read by the gate in
    `catalog.access`. A reset attempt (an admin's) no longer counts, as a pass or as an attempt.
    """

    annotator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="qualification_attempts")
    # The class qualified for; null for a project-wide attempt (Project.qualification_scope "per project").
    action_class = models.ForeignKey(
        ActionClass, null=True, blank=True, on_delete=models.CASCADE, related_name="qualification_attempts"
    )
    # The latest guideline-changing clarification of the attempt's classes when it was made (null: the guidelines as
    # first written).
    guideline_version = models.ForeignKey(
        Clarification, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answers = models.JSONField(
        default=dict, help_text="clip uid -> 1 or -1, video uid -> [[start, end], …], as submitted (for admins)"
    )
    correct = models.PositiveIntegerField()
    total = models.PositiveIntegerField()
    score = models.FloatField()
    passed = models.BooleanField()
    created_at = models.DateTimeField(auto_now_add=True)
    reset_at = models.DateTimeField(null=True, blank=True)
    reset_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["annotator", "project", "action_class"], name="qualification_attempt_idx")]


def video_upload_key(instance: Video, filename: str) -> str:
    # Generated keys: the user's file name never reaches the storage path (traversal, unicode, length).
    return f"videos/{instance.uid.hex[:2]}/{instance.uid.hex}"


class Video(models.Model):
    class Subset(models.TextChoices):
        TRAINING = "training"
        VALIDATION = "validation"
        TESTING = "testing"

    class Status(models.TextChoices):
        INGESTED = "ingested"
        CLIPS_SAMPLED = "clips_sampled"
        READY = "ready"
        FAILED = "failed"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # video_external_id_unique (project, external_id) leads with it: no index of its own
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="videos", db_index=False)
    external_id = models.CharField(max_length=64, help_text="YouTube id when from YouTube, else the platform's id")
    source_url = models.URLField(max_length=500, blank=True)
    file = models.FileField(upload_to=video_upload_key, max_length=300, blank=True)
    original_name = models.CharField(max_length=255, blank=True)
    query_class = models.ForeignKey(ActionClass, on_delete=models.PROTECT, related_name="videos")
    subset = models.CharField(max_length=10, choices=Subset.choices, default=Subset.TRAINING)
    duration = models.FloatField(help_text="seconds")
    fps = models.FloatField(default=0)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    size_bytes = models.BigIntegerField(default=0)
    start_time = models.FloatField(default=0, help_text="container start-time offset, seconds")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.INGESTED)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "external_id"], name="video_external_id_unique")]

    def __str__(self) -> str:
        return self.external_id


class AnnotatorGroup(models.Model):
    """The same group of annotators labels a class (HACS): membership decides whose queues a class is in.

    Its table keeps the name it had in the quality app (moved here so every app below quality can ask
    "may this user work on this class": backend/catalog/access.py).
    """

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="groups", db_index=False
    )  # group_name_unique (project, name) leads with it
    name = models.CharField(max_length=100)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="annotator_groups", blank=True)
    classes = models.ManyToManyField(ActionClass, related_name="annotator_groups", blank=True)

    class Meta:
        db_table = "quality_annotatorgroup"
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="group_name_unique")]

    def __str__(self) -> str:
        return self.name


class ClassSetup(models.Model):
    """One run of the guided "add a class" flow: which steps were done when, so the minutes it took are known.

    HAA500 reports 20–60 minutes to add a class; the platform measures its own figure from these timestamps.
    """

    STEPS = ("class", "guideline", "videos", "mining", "examples")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="class_setups")
    action_class = models.OneToOneField(ActionClass, on_delete=models.CASCADE, related_name="setup")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    started_at = models.DateTimeField(help_text="when the admin opened the flow (before the class existed)")
    step_done_at = models.JSONField(default=dict, blank=True, help_text="step name -> ISO time it was completed")
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"setup of {self.action_class.name}"
