from django.apps import AppConfig


class MiningConfig(AppConfig):
    name = "backend.mining"
    label = "mining"

    def ready(self) -> None:
        from backend.core.tasks import requeue_register

        requeue_register("mining stages", "backend.mining.services.mining_requeue_unfinished")

        from backend.catalog.signals import video_ingested
        from backend.mining.services import video_ingested_receiver

        video_ingested.connect(video_ingested_receiver, dispatch_uid="mining.video_ingested")
