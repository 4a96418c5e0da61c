from django.contrib import admin

from backend.clips.models import Clip, ConsensusResult, Label, Page


@admin.register(Clip)
class ClipAdmin(admin.ModelAdmin):
    list_display = ["video", "action_class", "start", "end", "method", "media_state", "label_count", "is_open"]
    list_filter = ["method", "media_state", "is_open"]
    readonly_fields = ["scores"]


@admin.register(Label)
class LabelAdmin(admin.ModelAdmin):
    list_display = ["clip", "annotator", "value", "seconds_spent", "active", "created_at"]
    list_filter = ["active", "value"]


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    list_display = ["uid", "annotator", "action_class", "created_at", "expires_at", "submitted_at", "released_at"]


@admin.register(ConsensusResult)
class ConsensusAdmin(admin.ModelAdmin):
    list_display = ["clip", "value", "mode", "n_labels", "unanimous", "source"]
    list_filter = ["source", "mode"]
