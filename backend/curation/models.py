"""HAA500-style curation of a clip: its exact first and last frame, who is in it, whether the camera moves, its
human-centric score and the split it belongs to. One row per curated (or scored) clip; the clip itself is untouched,
so its HACS export stays what the grid verified."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Curation(models.Model):
    class People(models.IntegerChoices):
        ONE = 1, "1"
        TWO = 2, "2"
        MORE = 3, "more than 2"

    class Split(models.TextChoices):
        NONE = "", "not in a split"
        TRAIN = "train"
        VAL = "val"
        TEST = "test"

    class ScoreState(models.TextChoices):
        NONE = "none", "not asked"
        PENDING = "pending"
        READY = "ready"
        FAILED = "failed"

    clip = models.OneToOneField("clips.Clip", on_delete=models.CASCADE, related_name="curation")
    # Frame indices in the source video (0 = its first frame), both inclusive: the atomic action's exact extent.
    first_frame = models.PositiveIntegerField(null=True, blank=True)
    last_frame = models.PositiveIntegerField(null=True, blank=True)
    dominant_people = models.PositiveSmallIntegerField(choices=People.choices, null=True, blank=True)
    camera_moving = models.BooleanField(null=True, blank=True)
    split = models.CharField(max_length=5, choices=Split.choices, default=Split.NONE, blank=True)
    # HAA500's "detectable joints": share of pose joints seen with score > 0.5 for the largest person.
    human_centric = models.FloatField(null=True, blank=True)
    human_centric_state = models.CharField(max_length=8, choices=ScoreState.choices, default=ScoreState.NONE)
    curated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="curations"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(first_frame__isnull=True) | Q(last_frame__gte=models.F("first_frame")),
                name="curation_last_frame_not_before_first",
            ),
            models.CheckConstraint(
                condition=Q(human_centric__isnull=True) | (Q(human_centric__gte=0) & Q(human_centric__lte=1)),
                name="curation_human_centric_is_a_share",
            ),
        ]
        indexes = [models.Index(fields=["split"], name="curation_split_idx")]

    def __str__(self) -> str:
        return f"curation of clip {self.clip_id}"

    @property
    def is_trimmed(self) -> bool:
        return self.first_frame is not None and self.last_frame is not None
