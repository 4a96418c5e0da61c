from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backend.catalog.services import IngestError, project_resolve
from backend.core.errors import ImportFileError
from backend.exports.imports import segments_file_import


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
            result = segments_file_import(
                path=path,
                project=project_resolve(name=project),
                gold=gold,
                update_durations=update_durations,
                create_classes=create_classes,
                parent=parent,
            )
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc
        except (ImportFileError, IngestError) as exc:
            raise CommandError(f"{path}: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(result.summary))
