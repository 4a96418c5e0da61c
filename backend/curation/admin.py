from django.contrib import admin

from backend.curation.models import Curation


@admin.register(Curation)
class CurationAdmin(admin.ModelAdmin):
    list_display = ("clip", "first_frame", "last_frame", "dominant_people", "camera_moving", "human_centric", "split")
    list_filter = ("split", "human_centric_state", "dominant_people", "camera_moving", "clip__action_class")
    raw_id_fields = ("clip", "curated_by")
