import argparse
import contextlib
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from backend.catalog.services import IngestError, project_resolve
from backend.exports import bulk, hacs
from backend.exports.classes import classes_create_unknown


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
        created = []
        try:
            proj = project_resolve(name=project)
            # With --create-classes the new classes and the rows are one transaction: a refused file takes them back.
            with transaction.atomic() if create_classes else contextlib.nullcontext():
                if create_classes:
                    with path.open(encoding="utf-8-sig", newline="") as fh:
                        names = hacs.class_names(fh)
                    created = classes_create_unknown(
                        {name: f"line {line}" for name, line in names.items()}, parent=parent
                    )
                counts = bulk.clips_import_file(
                    path=path,
                    project=proj,
                    gold=gold,
                    progress=sys.stderr.isatty() if progress is None else progress,
                    on_conflict=on_conflict,
                )
        except UnicodeDecodeError:
            # The file streams, so the decoder's position is within a chunk: name the byte as a whole read does.
            try:
                path.read_bytes().decode("utf-8-sig")
                position = "a byte"
            except UnicodeDecodeError as exc:
                position = f"byte {exc.start}"
            raise CommandError(
                f"{path}: not UTF-8 text (a binary file?): {position} cannot be decoded — nothing was imported"
            ) from None
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc
        except (hacs.ImportFileError, IngestError) as exc:
            raise CommandError(f"{path}: {exc}") from exc
        message = (
            f"imported {counts['rows']} rows: {counts['clips']} new clips, {counts['videos']} new videos, "
            f"{counts['unchanged']} already present, {counts['repeated']} repeated rows stored once"
        )
        if counts["overridden"]:
            message += f", {counts['overridden']} conflicting rows left out (--on-conflict {on_conflict})"
        if created:
            message += f"; new classes: {', '.join(c.name for c in created)}"
        self.stdout.write(self.style.SUCCESS(message))
