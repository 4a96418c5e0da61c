from django.urls import path

from backend.core.api import JobApi

urlpatterns = [
    path("api/jobs/<int:job_id>/", JobApi.as_view(), name="api-job"),
    # The addresses the timeline's media jobs and the curation scores answered first: the same view, one kind each.
    path("api/segment-media-jobs/<int:job_id>/", JobApi.as_view(kind="segment_media"), name="api-segment-media-job"),
    path(
        "api/curation-jobs/<int:curation_job_id>/",
        JobApi.as_view(kind="human_centric", lookup="curation_job_id"),
        name="api-curation-job",
    ),
]
