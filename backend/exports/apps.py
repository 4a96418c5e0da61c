from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "backend.exports"
    label = "exports"

    def ready(self):
        from backend.core.jobs import job_reconciler_register
        from backend.core.tasks import requeue_register

        # imports queued while the broker was down: published again when a worker starts
        requeue_register("imports", "backend.exports.import_jobs.import_jobs_requeue_queued")
        # an import whose worker died mid-run: its job ends "stopped" instead of running forever
        job_reconciler_register("import", "backend.exports.import_jobs.import_jobs_reconcile")
