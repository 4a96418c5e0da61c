from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backend.curation.management.commands._common import project_arg
from backend.exports.haa500 import Haa500ExportError, haa500_export


class Command(BaseCommand):
    help = (
        "Export the clips in splits in HAA500's layout into an empty folder: <class>.txt (HAA500's own file: "
        "train, val, test lines), <split>/<class>.txt, curation.csv/.json with the human-centric score, and with "
        "--cut the clips cut frame-exactly (H.264 MP4) under clips/<split>/<class>/."
    )

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", required=True, type=Path, help="a new or empty folder")
        parser.add_argument("--project", default=None, help="project id or name (default: every project)")
        parser.add_argument("--cut", action="store_true", help="also cut each clip's frames into an MP4")

    def handle(self, *args, output, project, cut, **options):
        def progress(done: int, total: int) -> None:
            self.stderr.write(f"\rcut {done}/{total}", ending="")

        try:
            rows = haa500_export(
                out_dir=output, project=project_arg(project) if project else None, cut=cut, progress=progress
            )
        except Haa500ExportError as exc:
            raise CommandError(str(exc)) from None
        if cut:
            self.stderr.write("")
        classes = len({r.action_class for r in rows})
        self.stdout.write(self.style.SUCCESS(f"wrote {len(rows)} clip(s) of {classes} class(es) to {output}"))
