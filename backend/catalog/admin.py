from django.contrib import admin

from backend.catalog.models import ActionClass, Clarification, Guideline, GuidelineExample, Project, Video
from backend.core.models import Job


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "default_label",
        "consensus_mode",
        "page_size",
        "gold_rate",
        "accuracy_gate",
        "qualification_required",
        "qualification_scope",
    ]


@admin.register(ActionClass)
class ActionClassAdmin(admin.ModelAdmin):
    list_display = ["name", "node_id", "parent", "is_leaf"]
    list_filter = ["is_leaf"]
    search_fields = ["name"]


class GuidelineExampleInline(admin.TabularInline):
    model = GuidelineExample
    raw_id_fields = ["clip"]
    extra = 0


@admin.register(Guideline)
class GuidelineAdmin(admin.ModelAdmin):
    list_display = ["action_class", "updated_at"]
    search_fields = ["action_class__name"]
    inlines = [GuidelineExampleInline]


@admin.register(Clarification)
class ClarificationAdmin(admin.ModelAdmin):
    list_display = ["action_class", "created_at", "author", "changes_guideline"]


@admin.register(Video)
class VideoAdmin(admin.ModelAdmin):
    list_display = ["external_id", "project", "query_class", "subset", "duration", "status"]
    list_filter = ["project", "subset", "status"]
    search_fields = ["external_id", "original_name"]


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["kind", "video", "state", "stage", "progress", "updated_at"]
