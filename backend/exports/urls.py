from django.urls import path

from backend.exports.api import ClipsExportApi, SegmentsExportApi
from backend.exports.api_imports import ImportStartApi
from backend.exports.views import imports_page

urlpatterns = [
    path("api/projects/<int:project_id>/exports/clips/", ClipsExportApi.as_view(), name="api-export-clips"),
    path("api/projects/<int:project_id>/exports/segments/", SegmentsExportApi.as_view(), name="api-export-segments"),
    path("api/projects/<int:project_id>/imports/", ImportStartApi.as_view(), name="api-import-start"),
    path("projects/<int:project_id>/imports/", imports_page, name="imports"),
]
