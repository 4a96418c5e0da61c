import argparse
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backend.catalog.services import IngestError, project_resolve
from backend.core.errors import ImportFileError
from backend.exports import hacs
from backend.exports.imports import clips_file_import


class Command(BaseCommand):
    help = "Import a HACS Clips CSV (or hacs-json) file: consensus labels, or a golden set with --gold."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--gold", action="store_true", help="rows are gold answers for existing videos")
        parser.add_argument("--project", default=None)
        parser.add_argument(
            "--progress",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="show a progress bar (default: when standard error is a terminal)",
        )
        parser.add_argument(
            "--on-conflict",
            choices=hacs.ON_CONFLICT,
            default=None,
            help="rows naming the same clip (class, video, start, end) with different labels: keep the first or "
            "the last in file order (default: refuse the file, naming their lines); identical repeats are always "
            "stored once",
        )
        parser.add_argument(
            "--create-classes",
            action="store_true",
            help="create the file's unknown class names as new leaf classes (default: refuse them by line)",
        )
        parser.add_argument(
            "--parent",
            default=None,
            help="with --create-classes: the taxonomy node the new classes go under (default: the taxonomy's root)",
        )

    def handle(self, *args, path, gold, project, progress, on_conflict, create_classes, parent, **options):
        if parent is not None and not create_classes:
            raise CommandError("--parent only says where --create-classes puts new classes: add --create-classes")
        try:
            path.open("rb").close()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc
        try:
            result = clips_file_import(
                path=path,
                project=project_resolve(name=project),
                gold=gold,
                on_conflict=on_conflict,
                create_classes=create_classes,
                parent=parent,
                progress_bar=sys.stderr.isatty() if progress is None else progress,
            )
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc
        except (ImportFileError, IngestError) as exc:
            raise CommandError(f"{path}: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(result.summary.replace("(on-conflict", "(--on-conflict")))
