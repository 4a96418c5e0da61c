from django.apps import AppConfig


class ClipsConfig(AppConfig):
    name = "backend.clips"
    label = "clips"

    def ready(self) -> None:
        from backend.core.tasks import requeue_register

        requeue_register("clip media", "backend.clips.services.clips_requeue_pending")
