"""Quality control: who labels which classes, and the golden answers their work is checked against."""

from django.conf import settings
from django.db import models


class AnnotatorGroup(models.Model):
    """The same group of annotators labels a class (HACS): membership decides whose queues a class is in."""

    project = models.ForeignKey("catalog.Project", on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(max_length=100)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="annotator_groups", blank=True)
    classes = models.ManyToManyField("catalog.ActionClass", related_name="annotator_groups", blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="group_name_unique")]

    def __str__(self) -> str:
        return self.name


class GoldAnswer(models.Model):
    """The known answer of a gold clip. Never serialised to annotators; only selectors in quality/ read it."""

    clip = models.OneToOneField("clips.Clip", on_delete=models.CASCADE, related_name="gold")
    value = models.SmallIntegerField(choices=[(1, "positive"), (-1, "negative")])
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)


class SendBack(models.Model):
    """Record of an admin sending an annotator's labels of a class back for re-labelling."""

    annotator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    action_class = models.ForeignKey("catalog.ActionClass", on_delete=models.CASCADE, related_name="+")
    admin = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    labels_revoked = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
