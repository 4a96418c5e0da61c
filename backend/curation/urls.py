"""URLs of curation: the trim tool, the admin's curation page and scoring, and the guided "add a class" flow."""

from django.urls import path

from backend.curation import api, api_trim, class_setup_api, class_setup_views, views

urlpatterns = [
    path("api/clips/<uuid:clip_uid>/curation/", api_trim.ClipCurationApi.as_view(), name="api-clip-curation"),
    path("trim/from-segment/<int:segment_id>/", views.trim_from_segment, name="trim-from-segment"),
    path("trim/<uuid:clip_uid>/", views.trim_page, name="trim"),
    path("curation/<int:project_id>/", views.curation_page, name="curation"),
    path("api/projects/<int:project_id>/curation/clips/", api.CurationClipListApi.as_view(), name="api-curation-clips"),
    path("api/projects/<int:project_id>/curation/score/", api.CurationScoreApi.as_view(), name="api-curation-score"),
    # The guided "add a class" flow (HAA500: a class in 20–60 minutes; the platform times its own).
    path(
        "api/projects/<int:project_id>/class-setups/",
        class_setup_api.ClassSetupStartApi.as_view(),
        name="api-class-setup-start",
    ),
    path("api/class-setups/<int:setup_id>/", class_setup_api.ClassSetupApi.as_view(), name="api-class-setup"),
    path(
        "api/class-setups/<int:setup_id>/guideline/",
        class_setup_api.ClassSetupGuidelineApi.as_view(),
        name="api-class-setup-guideline",
    ),
    path(
        "api/class-setups/<int:setup_id>/examples/",
        class_setup_api.ClassSetupExampleApi.as_view(),
        name="api-class-setup-example",
    ),
    path(
        "api/class-setups/<int:setup_id>/steps/",
        class_setup_api.ClassSetupStepApi.as_view(),
        name="api-class-setup-step",
    ),
    path(
        "api/class-setups/<int:setup_id>/finish/",
        class_setup_api.ClassSetupFinishApi.as_view(),
        name="api-class-setup-finish",
    ),
    path("projects/<int:project_id>/add-class/", class_setup_views.add_class_page, name="add-class"),
    path("class-setups/<int:setup_id>/", class_setup_views.class_setup_page, name="class-setup"),
]
