import time

from django.core.management.base import BaseCommand

from backend.core.models import Job
from backend.curation.management.commands._common import class_arg, project_arg
from backend.curation.services import human_centric_enqueue


class Command(BaseCommand):
    help = (
        "Queue the human-centric score (HAA500's detectable joints, BlazePose) of a project's curatable clips "
        "for the Celery worker: clips not scored yet, or with --all every one again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--project", default=None, help="project id or name (default: the only project)")
        parser.add_argument("--class", dest="action_class", default=None, help="only this class")
        parser.add_argument("--all", action="store_true", help="score again clips already scored")
        parser.add_argument("--wait", action="store_true", help="wait for the worker and show its progress")

    def handle(self, *args, project, action_class, all, wait, **options):
        job, count = human_centric_enqueue(
            project=project_arg(project), action_class=class_arg(action_class), rescore=all
        )
        if job is None:
            self.stdout.write(
                "nothing to score: every curatable clip with a video file has its score (--all scores them again)"
            )
            return
        self.stdout.write(self.style.SUCCESS(f"queued job {job.pk}: {count} clip(s) to score"))
        if not wait:
            self.stdout.write(f"progress: GET /api/curation-jobs/{job.pk}/ or rerun with --wait")
            return
        while True:
            job.refresh_from_db()
            self.stdout.write(f"\r{job.state:8} {job.progress:6.1%} {job.stage}", ending="")
            self.stdout.flush()
            if job.state in (Job.State.DONE, Job.State.FAILED):
                break
            time.sleep(1)
        self.stdout.write("")
        style = self.style.SUCCESS if job.state == Job.State.DONE else self.style.ERROR
        self.stdout.write(style(job.message))
