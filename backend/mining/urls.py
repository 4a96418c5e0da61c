from django.urls import path

from backend.mining.api import MiningApi

urlpatterns = [
    path("api/projects/<int:project_id>/mining/", MiningApi.as_view(), name="api-mining"),
]
