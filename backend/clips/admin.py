from django.contrib import admin

from backend.clips.models import Clip, ClipDecision, ConsensusResult, Label, Page


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


@admin.register(ClipDecision)
class ClipDecisionAdmin(admin.ModelAdmin):
    """Reviewers' decisions, for the record: written by the review queue (clips.services.review), never edited here."""

    list_display = ["clip", "reviewer", "value", "note", "created_at"]
    list_filter = ["value"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
