import sys

from django.core.management.base import BaseCommand

from backend.catalog.models import Video
from backend.catalog.services import project_resolve
from backend.exports import hacs


class Command(BaseCommand):
    help = "Export consensus-labelled (and gold) clips in the HACS Clips layout."

    def add_arguments(self, parser):
        parser.add_argument("--format", default="hacs-csv", choices=hacs.FORMATS)
        parser.add_argument("-o", "--output", default="-", help="file path, or - for standard output")
        parser.add_argument("--subset", choices=Video.Subset.values)
        parser.add_argument("--project", default=None)

    def handle(self, *args, format, output, subset, project, **options):
        proj = project_resolve(name=project) if project else None
        chunks = hacs.stream(hacs.clip_rows(project=proj, subset=subset), format)
        if output == "-":
            for chunk in chunks:
                sys.stdout.write(chunk)
            return
        with open(output, "w", newline="", encoding="utf-8") as fh:
            for chunk in chunks:
                fh.write(chunk)
        self.stderr.write(self.style.SUCCESS(f"wrote {output}"))
