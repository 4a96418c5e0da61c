from django.contrib import admin

from backend.catalog.models import AnnotatorGroup
from backend.clips.models import GoldAnswer
from backend.quality.models import SendBack


@admin.register(AnnotatorGroup)
class AnnotatorGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "project"]
    filter_horizontal = ["members", "classes"]


@admin.register(GoldAnswer)
class GoldAnswerAdmin(admin.ModelAdmin):
    list_display = ["clip", "value", "author", "created_at"]
    raw_id_fields = ["clip"]


@admin.register(SendBack)
class SendBackAdmin(admin.ModelAdmin):
    list_display = ["annotator", "action_class", "admin", "labels_revoked", "created_at"]
