from django.urls import path

from backend.catalog.api import VideoUploadApi
from backend.catalog.views import upload_page

urlpatterns = [
    path("api/videos/", VideoUploadApi.as_view(), name="api-video-upload"),
    path("upload/", upload_page, name="upload"),
]
