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
