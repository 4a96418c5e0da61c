"""One job-poll API for every long job: `GET /api/jobs/<id>/` (and the older per-kind addresses, same view)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.core.jobs import job_payload, jobs_reconcile
from backend.core.models import Job
from backend.core.schema import ErrorOutputSerializer


class JobOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    video = serializers.IntegerField(allow_null=True)
    state = serializers.ChoiceField(choices=Job.State.choices)
    stage = serializers.CharField()
    progress = serializers.FloatField(help_text="0..1")
    message = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class JobApi(APIView):
    """Poll a job: state, stage and progress. `kind` (set per URL) limits the older addresses to their job kind."""

    permission_classes = [IsAdminUser]
    kind: str | None = None
    lookup = "job_id"  # the URL's name for the job's id

    @extend_schema(responses={200: JobOutputSerializer, 404: ErrorOutputSerializer})
    def get(self, request, **kwargs):
        job_id = kwargs[self.lookup]
        jobs = Job.objects.filter(kind=self.kind) if self.kind else Job.objects.all()
        kind = jobs.filter(pk=job_id).values_list("kind", flat=True).first()
        if kind:
            jobs_reconcile(kind=kind, job_ids=[job_id])  # a job whose worker died says so (or that it is done)
        return Response(job_payload(get_object_or_404(jobs, pk=job_id)))
