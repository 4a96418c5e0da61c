from django.contrib import admin, messages

from backend.clips.services import QueueError
from backend.segments.models import (
    Segment,
    SegmentAnnotation,
    SegmentProposal,
    SegmentProposalHead,
    SegmentProposalRun,
    SegmentSettings,
    SegmentVideo,
)
from backend.segments.services import segment_final_pick


@admin.register(SegmentSettings)
class SegmentSettingsAdmin(admin.ModelAdmin):
    list_display = [
        "project",
        "annotators_per_video",
        "gold_rate",
        "lease_minutes",
        "suggestions",
        "proposal_threshold",
        "proposal_nms_tiou",
    ]


@admin.register(SegmentVideo)
class SegmentVideoAdmin(admin.ModelAdmin):
    list_display = [
        "video",
        "action_class",
        "media_state",
        "annotation_count",
        "required_annotations",
        "is_open",
        "is_gold",
        "final",
    ]
    list_filter = ["media_state", "is_open", "is_gold"]
    raw_id_fields = ["video", "final"]
    readonly_fields = ["sprite_meta"]


class SegmentInline(admin.TabularInline):
    model = Segment
    extra = 0


@admin.register(SegmentAnnotation)
class SegmentAnnotationAdmin(admin.ModelAdmin):
    list_display = [
        "segment_video",
        "annotator",
        "kind",
        "status",
        "reject_reason",
        "seconds_spent",
        "active",
        "submitted_at",
        "suggestions_shown",
        "suggestions_accepted",
        "suggestions_dismissed",
    ]
    list_filter = ["kind", "status", "reject_reason", "active", "suggestions_shown"]
    raw_id_fields = ["segment_video"]
    inlines = [SegmentInline]
    actions = ["make_final"]

    @admin.action(description="Export this annotation for its video (pick as final)")
    def make_final(self, request, queryset):
        for annotation in queryset.select_related("segment_video"):
            try:
                segment_final_pick(segment_video=annotation.segment_video, annotation=annotation)
            except QueueError as exc:
                self.message_user(request, f"{annotation}: {exc}", level=messages.ERROR)


class SegmentProposalInline(admin.TabularInline):
    model = SegmentProposal
    fields = ["rank", "start", "end", "score"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(SegmentProposalRun)
class SegmentProposalRunAdmin(admin.ModelAdmin):
    """S-CNN proposals per video (computed by a worker; read only here, `manage.py propose_segments` recomputes)."""

    list_display = ["segment_video", "state", "method", "youtube_model", "web_model", "head", "threshold", "updated_at"]
    list_filter = ["state", "method"]
    raw_id_fields = ["segment_video"]
    readonly_fields = [
        "state",
        "method",
        "progress",
        "message",
        "youtube_model",
        "web_model",
        "head",
        "sample_fps",
        "threshold",
        "nms_tiou",
    ]
    exclude = ["scores"]
    inlines = [SegmentProposalInline]


@admin.register(SegmentProposalHead)
class SegmentProposalHeadAdmin(admin.ModelAdmin):
    list_display = [
        "project",
        "version",
        "segments",
        "videos",
        "holdout_videos",
        "holdout_auc_head",
        "holdout_auc_mean",
        "active",
        "created_at",
    ]
    readonly_fields = ["parameters"]
