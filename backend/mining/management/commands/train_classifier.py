"""`manage.py train_classifier`: fine-tune one of the two 201-way frame classifiers (SLAC §3.6) on a worker."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from backend.core.models import Job
from backend.mining.models import ClassifierModel
from backend.mining.tasks import classifier_train_task
from backend.mining.training import web_images_store


class Command(BaseCommand):
    help = "Train the video-frame (youtube) or web-image (web) classifier; stores a new versioned model."

    def add_arguments(self, parser):
        parser.add_argument("--kind", required=True, choices=ClassifierModel.Kind.values)
        parser.add_argument("--images", type=Path, help="web: a folder with one sub-folder of images per class")
        parser.add_argument("--epochs", type=int, default=8)
        parser.add_argument("--timeout", type=float, default=3600)

    def handle(self, *args, kind, images, epochs, timeout, **options):
        if kind == ClassifierModel.Kind.WEB and (images is None or not images.is_dir()):
            raise CommandError("--images must be a folder with one sub-folder per class (and background/)")
        stored = None
        if kind == ClassifierModel.Kind.WEB:
            try:  # into storage, where the worker that trains (on any machine) reads them
                stored = web_images_store(folder=images)
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        job = Job.objects.create(kind=f"train-{kind}")
        classifier_train_task.delay(job.pk, kind, stored, epochs)
        deadline = time.monotonic() + timeout
        with tqdm(total=100, unit="%", desc=f"training {kind}") as bar:
            while time.monotonic() < deadline:
                job.refresh_from_db()
                bar.update(int(job.progress * 100) - bar.n)
                if job.state in (Job.State.DONE, Job.State.FAILED):
                    break
                time.sleep(0.5)
            else:
                raise CommandError("timed out waiting for the worker (is a Celery worker running?)")
        if job.state == Job.State.FAILED:
            raise CommandError(job.message)
        self.stdout.write(self.style.SUCCESS(job.message))
