from django.contrib import admin, messages

from backend.core.errors import ApplicationError
from backend.mining.models import ClassifierModel, Shot, VideoMining
from backend.mining.services import video_remove


@admin.register(VideoMining)
class VideoMiningAdmin(admin.ModelAdmin):
    list_display = ["video", "stage", "strategy", "removed_reason", "duplicate_of", "removed_by", "updated_at"]
    list_filter = ["stage", "removed_reason"]
    exclude = ["feature"]
    actions = ["remove_videos"]

    @admin.action(description="Remove the selected videos (their clips leave the queues and exports)")
    def remove_videos(self, request, queryset):
        for mining in queryset.select_related("video"):
            try:
                result = video_remove(video=mining.video, reason="removed by an admin", by=request.user)
            except ApplicationError as exc:
                self.message_user(request, str(exc), level=messages.ERROR)
                continue
            level = messages.WARNING if result.gold or result.examples else messages.SUCCESS
            self.message_user(
                request,
                f"{mining.video}: {result.deleted} clip(s) deleted, {result.retired} retired "
                f"({result.gold} gold no longer served, {result.examples} guideline example(s) still shown)",
                level=level,
            )


@admin.register(Shot)
class ShotAdmin(admin.ModelAdmin):
    list_display = ["video", "index", "start", "end", "person_score"]
    exclude = ["candidates"]


@admin.register(ClassifierModel)
class ClassifierModelAdmin(admin.ModelAdmin):
    list_display = ["kind", "version", "val_accuracy", "created_at"]
