from django.urls import path

from backend.segments import api, api_admin
from backend.segments.views import timeline

urlpatterns = [
    path("api/segment-queues/", api.SegmentQueueListApi.as_view(), name="api-segment-queues"),
    path("api/segment-tasks/next/", api.SegmentTaskNextApi.as_view(), name="api-segment-task-next"),
    path("api/segment-tasks/<uuid:task_uid>/draft/", api.SegmentDraftApi.as_view(), name="api-segment-task-draft"),
    path("api/segment-tasks/<uuid:task_uid>/submit/", api.SegmentSubmitApi.as_view(), name="api-segment-task-submit"),
    path("api/segment-tasks/<uuid:task_uid>/reject/", api.SegmentRejectApi.as_view(), name="api-segment-task-reject"),
    path(
        "api/segment-tasks/<uuid:task_uid>/suggestions/",
        api.SegmentSuggestionsApi.as_view(),
        name="api-segment-task-suggestions",
    ),
    path(
        "api/projects/<int:project_id>/segments/dashboard/",
        api_admin.SegmentDashboardApi.as_view(),
        name="api-segment-dashboard",
    ),
    path(
        "api/projects/<int:project_id>/segments/enqueue/",
        api_admin.SegmentEnqueueApi.as_view(),
        name="api-segment-enqueue",
    ),
    path(
        "api/segment-videos/<int:segment_video_id>/final/",
        api_admin.SegmentFinalPickApi.as_view(),
        name="api-segment-final",
    ),
    path("timeline/<int:project_id>/<int:class_id>/", timeline, name="timeline"),
]
