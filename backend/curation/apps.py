from django.apps import AppConfig


class CurationConfig(AppConfig):
    name = "backend.curation"
    label = "curation"
    verbose_name = "HAA500 curation"

    def ready(self) -> None:
        from backend.core.tasks import requeue_register

        requeue_register("human-centric scores", "backend.curation.services.human_centric_requeue_pending")
