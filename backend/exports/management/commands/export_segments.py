import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backend.catalog.models import Video
from backend.catalog.services import project_resolve
from backend.exports import activitynet, toolkits


class Command(BaseCommand):
    help = (
        "Export segments as ActivityNet JSON (version, taxonomy, database), or with --format in the annotation "
        "layout of ActionFormer, OpenTAD or MMAction2 (backend/exports/toolkits.py); rejected videos are left out "
        "and listed in FILE.rejected.json. OpenTAD also gets its class map, FILE.category_idx.txt."
    )

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", required=True, help="file path, or - for standard output")
        parser.add_argument("--format", dest="fmt", choices=toolkits.FORMATS, default=toolkits.DEFAULT_FORMAT)
        parser.add_argument("--subset", choices=Video.Subset.values)
        parser.add_argument("--project", default=None, help="default: every project")
        parser.add_argument(
            "--default-fps",
            type=float,
            default=None,
            help="toolkit formats: the frame rate written for videos whose rate is unknown (default: refuse them)",
        )

    def handle(self, *args, output, fmt, subset, project, default_fps, **options):
        proj = project_resolve(name=project) if project else None
        try:
            chunks = toolkits.stream(fmt, project=proj, subset=subset, default_fps=default_fps)
        except toolkits.ToolkitExportError as exc:
            raise CommandError(str(exc)) from None
        if output == "-":
            for chunk in chunks:
                sys.stdout.write(chunk)
            return
        path = Path(output)
        written = [path, Path(f"{output}.rejected.json")]
        with path.open("w", encoding="utf-8") as fh:
            for chunk in chunks:
                fh.write(chunk)
        with written[1].open("w", encoding="utf-8") as fh:
            for chunk in activitynet.stream_rejected(project=proj, subset=subset):
                fh.write(chunk)
        if fmt == "opentad":
            written.append(Path(f"{output}{toolkits.CLASS_MAP_SUFFIX}"))
            written[-1].write_text(toolkits.class_map_text(project=proj, subset=subset), encoding="utf-8")
        self.stderr.write(self.style.SUCCESS("wrote " + ", ".join(str(p) for p in written)))
