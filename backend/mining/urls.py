from django.urls import path

from backend.mining.api import MiningApi, VideoRemoveApi

urlpatterns = [
    path("api/projects/<int:project_id>/mining/", MiningApi.as_view(), name="api-mining"),
    path(
        "api/projects/<int:project_id>/videos/<int:video_id>/remove/",
        VideoRemoveApi.as_view(),
        name="api-video-remove",
    ),
]
