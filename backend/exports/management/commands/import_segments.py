import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backend.catalog.services import IngestError, project_resolve
from backend.exports import activitynet


class Command(BaseCommand):
    help = (
        "Import ActivityNet-style segments (also HACS Segments files: string durations, no taxonomy/version); "
        "--gold makes them reference segments of videos already in the project."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--gold", action="store_true", help="reference segments for existing videos")
        parser.add_argument("--project", default=None)

    def handle(self, *args, path, gold, project, **options):
        try:
            with path.open(encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc
        except json.JSONDecodeError as exc:
            raise CommandError(f"{path}: line {exc.lineno}: not valid JSON ({exc.msg}) — nothing was imported") from exc
        except RecursionError:
            raise CommandError(f"{path}: the JSON is nested too deeply to be segments — nothing was imported") from None
        try:
            proj = project_resolve(name=project)
            videos = activitynet.parse(data)
            counts = activitynet.import_videos(videos=videos, project=proj, gold=gold)
        except (activitynet.ImportFileError, IngestError) as exc:
            raise CommandError(f"{path}: {exc}") from exc
        except RecursionError:  # a value nested just under json's limit, met again while checking or quoting it
            raise CommandError(f"{path}: the JSON is nested too deeply to be segments — nothing was imported") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"imported {len(videos)} videos: {counts['annotations']} {'gold ' if gold else ''}annotations with "
                f"{counts['segments']} segments, {counts['videos']} new videos, {counts['unchanged']} already present, "
                f"{counts['skipped']} skipped (new and without annotations)"
            )
        )
