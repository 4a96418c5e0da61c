"""What an admin's import job needs to run (again): its stored upload and its options."""

from django.conf import settings
from django.db import models


class ImportRequest(models.Model):
    """One import asked for through the API; its Job row says how it went. A job still queued when a worker starts
    is published again from this row (the broker was down at the upload: backend/exports/import_jobs.py)."""

    class Kind(models.TextChoices):
        CLIPS = "clips"
        SEGMENTS = "segments"

    job = models.OneToOneField("core.Job", on_delete=models.CASCADE, related_name="import_request")
    project = models.ForeignKey("catalog.Project", on_delete=models.CASCADE, related_name="import_requests")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    stored_name = models.CharField(max_length=300, help_text="the upload, in default storage; deleted once run")
    original_name = models.CharField(max_length=200, blank=True)
    options = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.kind} import {self.original_name} (job {self.job_id})"
