import contextlib
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from backend.catalog.services import IngestError, project_resolve
from backend.exports import activitynet
from backend.exports.classes import classes_create_unknown, classes_refuse_unknown, segment_labels


class Command(BaseCommand):
    help = (
        "Import ActivityNet-style segments (also HACS Segments files: string durations, no taxonomy/version); "
        "--gold makes them reference segments of videos already in the project."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--gold", action="store_true", help="reference segments for existing videos")
        parser.add_argument("--project", default=None)
        parser.add_argument(
            "--update-durations",
            action="store_true",
            help="store the file's duration for videos whose stored one differs by more than a frame "
            "(default: refuse the file, listing them)",
        )
        parser.add_argument(
            "--create-classes",
            action="store_true",
            help="create the file's unknown labels as new leaf classes (default: refuse them with their paths)",
        )
        parser.add_argument(
            "--parent",
            default=None,
            help="with --create-classes: the taxonomy node the new classes go under (default: the taxonomy's root)",
        )

    def handle(self, *args, path, gold, project, update_durations, create_classes, parent, **options):
        if parent is not None and not create_classes:
            raise CommandError("--parent only says where --create-classes puts new classes: add --create-classes")
        try:
            with path.open(encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc
        except json.JSONDecodeError as exc:
            raise CommandError(f"{path}: line {exc.lineno}: not valid JSON ({exc.msg}) — nothing was imported") from exc
        except RecursionError:
            raise CommandError(f"{path}: the JSON is nested too deeply to be segments — nothing was imported") from None
        created = []
        try:
            proj = project_resolve(name=project)
            # With --create-classes the new classes and the segments are one transaction: a refused file takes
            # them back.
            with transaction.atomic() if create_classes else contextlib.nullcontext():
                if create_classes:
                    created = classes_create_unknown(segment_labels(data), parent=parent)
                else:
                    classes_refuse_unknown(segment_labels(data))
                videos = activitynet.parse(data)
                counts = activitynet.import_videos(
                    videos=videos, project=proj, gold=gold, update_durations=update_durations
                )
        except (activitynet.ImportFileError, IngestError) as exc:
            raise CommandError(f"{path}: {exc}") from exc
        except RecursionError:  # a value nested just under json's limit, met again while checking or quoting it
            raise CommandError(f"{path}: the JSON is nested too deeply to be segments — nothing was imported") from None
        message = (
            f"imported {len(videos)} videos: {counts['annotations']} {'gold ' if gold else ''}annotations with "
            f"{counts['segments']} segments, {counts['videos']} new videos, {counts['unchanged']} already present, "
            f"{counts['empty']} without segments, {counts['durations']} durations stored"
        )
        if created:
            message += f"; new classes: {', '.join(c.name for c in created)}"
        self.stdout.write(self.style.SUCCESS(message))
