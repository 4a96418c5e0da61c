from django.urls import path

from backend.clips import api, views

urlpatterns = [
    path("api/ping/", api.PingApi.as_view(), name="api-ping"),
    path("api/queues/", api.QueueListApi.as_view(), name="api-queues"),
    path("api/pages/next/", api.PageNextApi.as_view(), name="api-page-next"),
    path("api/pages/<uuid:page_uid>/shown/", api.PageShownApi.as_view(), name="api-page-shown"),
    path("api/pages/<uuid:page_uid>/submit/", api.PageSubmitApi.as_view(), name="api-page-submit"),
    path("api/classes/<int:class_id>/guideline/", api.GuidelineApi.as_view(), name="api-guideline"),
    path(
        "api/clarifications/<int:clarification_id>/ack/",
        api.ClarificationAckApi.as_view(),
        name="api-clarification-ack",
    ),
    path("api/gold/next/", api.GoldNextApi.as_view(), name="api-gold-next"),
    path("api/gold/submit/", api.GoldSubmitApi.as_view(), name="api-gold-submit"),
    path("", views.home, name="home"),
    path("grid/<int:project_id>/<int:class_id>/", views.grid, name="grid"),
]
