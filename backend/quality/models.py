"""Quality control rows: the record of admins sending work back. (Groups live in catalog, gold answers in clips.)"""

from django.conf import settings
from django.db import models


class SendBack(models.Model):
    """Record of an admin sending an annotator's labels of a class back for re-labelling."""

    annotator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    action_class = models.ForeignKey("catalog.ActionClass", on_delete=models.CASCADE, related_name="+")
    admin = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    labels_revoked = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)


class GoldCandidateDismissal(models.Model):
    """An admin's "not as gold" on a proposed gold candidate (selectors_gold): the clip is not proposed again."""

    clip = models.OneToOneField("clips.Clip", on_delete=models.CASCADE, related_name="gold_dismissal")
    admin = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)


class Review(models.Model):
    """The reviewer role (issue 15 item 2): the permission ``quality.review``, given to a user or a group in the admin.

    No table: Django attaches permissions to a model, and this one exists only to carry it. A reviewer settles
    disagreements (quality/api_review.py); the decisions live beside the rows they settle (clips.ClipDecision,
    segments.VideoDecision). Staff may review too.
    """

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("review", "Can review and settle annotators' disagreements")]
