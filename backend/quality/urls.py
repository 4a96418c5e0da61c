from django.urls import path

from backend.quality import api, api_gold, api_qualification, api_review, api_review_videos
from backend.quality.bill_views import BillApi, bill_page
from backend.quality.views import dashboard_page, qualify_page, review_page, review_video_page

urlpatterns = [
    path("api/me/", api.MeApi.as_view(), name="api-me"),
    path("api/segments/me/", api.SegmentMeApi.as_view(), name="api-segments-me"),
    path(
        "api/classes/<int:class_id>/clarifications/", api.ClarificationPostApi.as_view(), name="api-clarification-post"
    ),
    path("api/projects/<int:project_id>/dashboard/", api.DashboardApi.as_view(), name="api-dashboard"),
    path(
        "api/projects/<int:project_id>/dashboard/classes/<int:class_id>/",
        api.DashboardClassApi.as_view(),
        name="api-dashboard-class",
    ),
    path("api/projects/<int:project_id>/bill/", BillApi.as_view(), name="api-bill"),
    path("api/annotators/<int:user_id>/send-back/", api.SendBackApi.as_view(), name="api-send-back"),
    path(
        "api/annotators/<int:user_id>/segments/send-back/",
        api.SegmentSendBackApi.as_view(),
        name="api-segment-send-back",
    ),
    path(
        "api/projects/<int:project_id>/gold-candidates/",
        api_gold.GoldCandidatesApi.as_view(),
        name="api-gold-candidates",
    ),
    path(
        "api/clips/<uuid:clip_uid>/gold-candidate/confirm/",
        api_gold.GoldCandidateConfirmApi.as_view(),
        name="api-gold-candidate-confirm",
    ),
    path(
        "api/clips/<uuid:clip_uid>/gold-candidate/dismiss/",
        api_gold.GoldCandidateDismissApi.as_view(),
        name="api-gold-candidate-dismiss",
    ),
    path(
        "api/projects/<int:project_id>/segment-agreement/",
        api_gold.SegmentAgreementApi.as_view(),
        name="api-segment-agreement",
    ),
    path("api/review/clips/", api_review.ReviewClipsApi.as_view(), name="api-review-clips"),
    path("api/review/clips/<uuid:clip_uid>/decide/", api_review.ReviewClipDecideApi.as_view(), name="api-review-clip"),
    path("api/review/videos/", api_review_videos.ReviewVideosApi.as_view(), name="api-review-videos"),
    path(
        "api/review/videos/<int:segment_video_id>/", api_review_videos.ReviewVideoApi.as_view(), name="api-review-video"
    ),
    path(
        "api/review/videos/<int:segment_video_id>/decide/",
        api_review_videos.ReviewVideoDecideApi.as_view(),
        name="api-review-video-decide",
    ),
    path("review/", review_page, name="review"),
    path("review/videos/<int:segment_video_id>/", review_video_page, name="review-video"),
    path(
        "api/qualify/<int:project_id>/<int:class_id>/",
        api_qualification.QualificationApi.as_view(),
        name="api-qualification",
    ),
    path(
        "api/projects/<int:project_id>/qualification-attempts/",
        api_qualification.QualificationAttemptsApi.as_view(),
        name="api-qualification-attempts",
    ),
    path(
        "api/qualification-attempts/<int:attempt_id>/reset/",
        api_qualification.QualificationAttemptResetApi.as_view(),
        name="api-qualification-attempt-reset",
    ),
    path("api/qualification-items/", api_qualification.QualificationItemsApi.as_view(), name="api-qualification-items"),
    path(
        "api/qualification-videos/<uuid:video_uid>/",
        api_qualification.QualificationVideoApi.as_view(),
        name="api-qualification-video",
    ),
    path(
        "api/qualification-items/next/",
        api_qualification.QualificationItemsNextApi.as_view(),
        name="api-qualification-items-next",
    ),
    path("qualify/<int:project_id>/<int:class_id>/", qualify_page, name="qualify"),
    path("dashboard/<int:project_id>/", dashboard_page, name="dashboard"),
    path("bill/<int:project_id>/", bill_page, name="bill"),
]
