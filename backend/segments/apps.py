from django.apps import AppConfig


class SegmentsConfig(AppConfig):
    name = "backend.segments"
    label = "segments"
    verbose_name = "Segments (timeline tool)"

    def ready(self) -> None:
        from backend.core.tasks import requeue_register

        requeue_register("segment media", "backend.segments.media.segment_media_requeue_pending")

        from backend.core.jobs import job_reconciler_register

        job_reconciler_register("segment_media", "backend.segments.media.segment_media_jobs_reconcile")

        from backend.mining.signals import classifiers_retrained
        from backend.segments.proposals import classifiers_retrained_receiver

        classifiers_retrained.connect(classifiers_retrained_receiver, dispatch_uid="segments.classifiers_retrained")

        from backend.mining.signals import video_removed
        from backend.segments.services.queue import video_removed_receiver

        video_removed.connect(video_removed_receiver, dispatch_uid="segments.video_removed")
