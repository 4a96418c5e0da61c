from django.urls import path

from backend.quality import api
from backend.quality.bill_views import BillApi, bill_page
from backend.quality.views import dashboard_page

urlpatterns = [
    path("api/me/", api.MeApi.as_view(), name="api-me"),
    path("api/segments/me/", api.SegmentMeApi.as_view(), name="api-segments-me"),
    path(
        "api/classes/<int:class_id>/clarifications/", api.ClarificationPostApi.as_view(), name="api-clarification-post"
    ),
    path("api/projects/<int:project_id>/dashboard/", api.DashboardApi.as_view(), name="api-dashboard"),
    path("api/projects/<int:project_id>/bill/", BillApi.as_view(), name="api-bill"),
    path("api/annotators/<int:user_id>/send-back/", api.SendBackApi.as_view(), name="api-send-back"),
    path(
        "api/annotators/<int:user_id>/segments/send-back/",
        api.SegmentSendBackApi.as_view(),
        name="api-segment-send-back",
    ),
    path("dashboard/<int:project_id>/", dashboard_page, name="dashboard"),
    path("bill/<int:project_id>/", bill_page, name="bill"),
]
