from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backend.catalog.models import Video
from backend.catalog.services import IngestError, action_class_resolve, project_resolve, video_ingest


class Command(BaseCommand):
    help = "Ingest video files for an action class: probe, store, sample candidate clips, queue their media."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path)
        parser.add_argument("--class", dest="class_name", required=True, help="action class name, e.g. 'Long jump'")
        parser.add_argument("--subset", default=Video.Subset.TRAINING, choices=Video.Subset.values)
        parser.add_argument("--project", default=None, help="project name (default: the only project)")
        parser.add_argument(
            "--mining",
            action="store_true",
            help="queue the videos for mining whatever the project's mining switch (then: manage.py mine)",
        )

    def handle(self, *args, paths, class_name, subset, project, mining, **options):
        try:
            action_class = action_class_resolve(name=class_name)
            proj = project_resolve(name=project)
        except IngestError as exc:
            raise CommandError(str(exc)) from exc
        refused = 0
        for path in paths:
            try:
                video = video_ingest(
                    project=proj, path=path, action_class=action_class, subset=subset, mine=True if mining else None
                )
            except (IngestError, OSError) as exc:
                refused += 1
                self.stderr.write(self.style.ERROR(f"refused {path}: {exc}"))
                continue
            then = "queued for mining" if hasattr(video, "mining") else f"{video.clips.count()} candidate clips"
            self.stdout.write(f"ingested {path} as {video.external_id} ({video.duration:.1f} s, {then})")
        if refused:
            raise CommandError(f"{refused} of {len(paths)} file(s) refused; nothing was stored for them")
