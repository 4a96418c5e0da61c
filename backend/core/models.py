"""Core rows: the status row of a long background job (stage, progress), polled by one API (backend/core/api.py).

A job may name the video it works on by a string foreign key; core still imports no app.
"""

from django.db import models


class Job(models.Model):
    """Status row of a long background job: what the admin's progress bar and the API poll."""

    class State(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    kind = models.CharField(max_length=40)
    video = models.ForeignKey("catalog.Video", null=True, blank=True, on_delete=models.CASCADE, related_name="jobs")
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    stage = models.CharField(max_length=60, blank=True)
    progress = models.FloatField(default=0.0, help_text="0..1")
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "catalog_job"  # the table it had in catalog, where it lived first
        ordering = ["-created_at"]
