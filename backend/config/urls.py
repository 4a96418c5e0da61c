from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from backend.catalog import class_setup_api
from backend.catalog.api import VideoUploadApi
from backend.catalog.views import add_class_page, class_setup_page, upload_page
from backend.clips import api as clips_api
from backend.clips.views import grid, home
from backend.config.login_throttle import login_rate_limited
from backend.config.media import media_serve
from backend.curation import api as curation_api
from backend.curation.urls_trim import urlpatterns as curation_trim_urls
from backend.exports.api import ClipsExportApi
from backend.mining.api import MiningApi
from backend.quality import api as quality_api
from backend.quality.bill_views import BillApi, bill_page
from backend.quality.views import dashboard_page
from backend.segments import api as segments_api
from backend.segments.views import timeline

api = [
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/me/", clips_api.MeApi.as_view(), name="api-me"),
    path("api/ping/", clips_api.PingApi.as_view(), name="api-ping"),
    path("api/queues/", clips_api.QueueListApi.as_view(), name="api-queues"),
    path("api/pages/next/", clips_api.PageNextApi.as_view(), name="api-page-next"),
    path("api/pages/<uuid:page_uid>/submit/", clips_api.PageSubmitApi.as_view(), name="api-page-submit"),
    path("api/classes/<int:class_id>/guideline/", clips_api.GuidelineApi.as_view(), name="api-guideline"),
    path("api/classes/<int:class_id>/clarifications/", quality_api.ClarificationPostApi.as_view(),
         name="api-clarification-post"),
    path("api/clarifications/<int:clarification_id>/ack/", clips_api.ClarificationAckApi.as_view(),
         name="api-clarification-ack"),
    path("api/projects/<int:project_id>/dashboard/", quality_api.DashboardApi.as_view(), name="api-dashboard"),
    path("api/projects/<int:project_id>/exports/clips/", ClipsExportApi.as_view(), name="api-export-clips"),
    path("api/projects/<int:project_id>/mining/", MiningApi.as_view(), name="api-mining"),
    path("api/projects/<int:project_id>/bill/", BillApi.as_view(), name="api-bill"),
    path("api/annotators/<int:user_id>/send-back/", quality_api.SendBackApi.as_view(), name="api-send-back"),
    path("api/gold/next/", quality_api.GoldNextApi.as_view(), name="api-gold-next"),
    path("api/gold/submit/", quality_api.GoldSubmitApi.as_view(), name="api-gold-submit"),
    # Timeline tool (issue 3): segment queues, tasks, gold videos, accuracy, ActivityNet export.
    path("api/segment-queues/", segments_api.SegmentQueueListApi.as_view(), name="api-segment-queues"),
    path("api/segment-tasks/next/", segments_api.SegmentTaskNextApi.as_view(), name="api-segment-task-next"),
    path("api/segment-tasks/<uuid:task_uid>/draft/", segments_api.SegmentDraftApi.as_view(),
         name="api-segment-task-draft"),
    path("api/segment-tasks/<uuid:task_uid>/submit/", segments_api.SegmentSubmitApi.as_view(),
         name="api-segment-task-submit"),
    path("api/segment-tasks/<uuid:task_uid>/reject/", segments_api.SegmentRejectApi.as_view(),
         name="api-segment-task-reject"),
    path("api/segment-tasks/<uuid:task_uid>/suggestions/", segments_api.SegmentSuggestionsApi.as_view(),
         name="api-segment-task-suggestions"),
    path("api/segments/me/", segments_api.SegmentMeApi.as_view(), name="api-segments-me"),
    path("api/projects/<int:project_id>/segments/dashboard/", segments_api.SegmentDashboardApi.as_view(),
         name="api-segment-dashboard"),
    path("api/projects/<int:project_id>/segments/enqueue/", segments_api.SegmentEnqueueApi.as_view(),
         name="api-segment-enqueue"),
    path("api/projects/<int:project_id>/exports/segments/", segments_api.SegmentsExportApi.as_view(),
         name="api-export-segments"),
    path("api/segment-media-jobs/<int:job_id>/", segments_api.SegmentMediaJobApi.as_view(),
         name="api-segment-media-job"),
    path("api/segment-videos/<int:segment_video_id>/final/", segments_api.SegmentFinalPickApi.as_view(),
         name="api-segment-final"),
    path("api/annotators/<int:user_id>/segments/send-back/", segments_api.SegmentSendBackApi.as_view(),
         name="api-segment-send-back"),
    path("api/videos/", VideoUploadApi.as_view(), name="api-video-upload"),
    # HAA500 curation (issue 6): curatable clips with their curation, human-centric scoring jobs.
    path("api/projects/<int:project_id>/curation/clips/", curation_api.CurationClipListApi.as_view(),
         name="api-curation-clips"),
    path("api/projects/<int:project_id>/curation/score/", curation_api.CurationScoreApi.as_view(),
         name="api-curation-score"),
    path("api/curation-jobs/<int:curation_job_id>/", curation_api.CurationJobApi.as_view(), name="api-curation-job"),
    # The guided "add a class" flow (HAA500: a class in 20–60 minutes; the platform times its own).
    path("api/projects/<int:project_id>/class-setups/", class_setup_api.ClassSetupStartApi.as_view(),
         name="api-class-setup-start"),
    path("api/class-setups/<int:setup_id>/", class_setup_api.ClassSetupApi.as_view(), name="api-class-setup"),
    path("api/class-setups/<int:setup_id>/guideline/", class_setup_api.ClassSetupGuidelineApi.as_view(),
         name="api-class-setup-guideline"),
    path("api/class-setups/<int:setup_id>/examples/", class_setup_api.ClassSetupExampleApi.as_view(),
         name="api-class-setup-example"),
    path("api/class-setups/<int:setup_id>/steps/", class_setup_api.ClassSetupStepApi.as_view(),
         name="api-class-setup-step"),
    path("api/class-setups/<int:setup_id>/finish/", class_setup_api.ClassSetupFinishApi.as_view(),
         name="api-class-setup-finish"),
]

pages = [
    path("", home, name="home"),
    path("grid/<int:project_id>/<int:class_id>/", grid, name="grid"),
    path("dashboard/<int:project_id>/", dashboard_page, name="dashboard"),
    path("bill/<int:project_id>/", bill_page, name="bill"),
    path("timeline/<int:project_id>/<int:class_id>/", timeline, name="timeline"),
    path("upload/", upload_page, name="upload"),
    path("projects/<int:project_id>/add-class/", add_class_page, name="add-class"),
    path("class-setups/<int:setup_id>/", class_setup_page, name="class-setup"),
    path("accounts/login/", login_rate_limited(auth_views.LoginView.as_view()), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("media/<path:path>", media_serve, name="media"),
]

urlpatterns = api + pages + curation_trim_urls  # trim tool and curation page (backend/curation/urls_trim.py)
handler500 = "backend.config.middleware.server_error"  # an outage met outside a view still answers 503
