"""URLs of the trim tool and the admin's curation page (included by backend/config/urls.py)."""

from django.urls import path

from backend.curation import api_trim, views

urlpatterns = [
    path("api/clips/<uuid:clip_uid>/curation/", api_trim.ClipCurationApi.as_view(), name="api-clip-curation"),
    path("trim/from-segment/<int:segment_id>/", views.trim_from_segment, name="trim-from-segment"),
    path("trim/<uuid:clip_uid>/", views.trim_page, name="trim"),
    path("curation/<int:project_id>/", views.curation_page, name="curation"),
]
