import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from backend.catalog.models import Video
from backend.catalog.services import project_resolve
from backend.exports import activitynet


class Command(BaseCommand):
    help = (
        "Export segments as ActivityNet JSON (version, taxonomy, database); rejected videos are left out and "
        "listed in FILE.rejected.json."
    )

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", required=True, help="file path, or - for standard output")
        parser.add_argument("--subset", choices=Video.Subset.values)
        parser.add_argument("--project", default=None, help="default: every project")

    def handle(self, *args, output, subset, project, **options):
        proj = project_resolve(name=project) if project else None
        if output == "-":
            for chunk in activitynet.stream(project=proj, subset=subset):
                sys.stdout.write(chunk)
            return
        path = Path(output)
        for target, chunks in (
            (path, activitynet.stream),
            (Path(f"{output}.rejected.json"), activitynet.stream_rejected),
        ):
            with target.open("w", encoding="utf-8") as fh:
                for chunk in chunks(project=proj, subset=subset):
                    fh.write(chunk)
        self.stderr.write(self.style.SUCCESS(f"wrote {path} and {path}.rejected.json"))
