from django.urls import path

from backend.exports.api import ClipsExportApi, SegmentsExportApi

urlpatterns = [
    path("api/projects/<int:project_id>/exports/clips/", ClipsExportApi.as_view(), name="api-export-clips"),
    path("api/projects/<int:project_id>/exports/segments/", SegmentsExportApi.as_view(), name="api-export-segments"),
]
