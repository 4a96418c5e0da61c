from django.contrib import admin

from backend.mining.models import ClassifierModel, Shot, VideoMining


@admin.register(VideoMining)
class VideoMiningAdmin(admin.ModelAdmin):
    list_display = ["video", "stage", "strategy", "removed_reason", "duplicate_of", "updated_at"]
    list_filter = ["stage", "removed_reason"]
    exclude = ["feature"]


@admin.register(Shot)
class ShotAdmin(admin.ModelAdmin):
    list_display = ["video", "index", "start", "end", "person_score"]
    exclude = ["candidates"]


@admin.register(ClassifierModel)
class ClassifierModelAdmin(admin.ModelAdmin):
    list_display = ["kind", "version", "val_accuracy", "created_at"]
