import argparse
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backend.catalog.services import IngestError, project_resolve
from backend.exports import bulk, hacs


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

    def handle(self, *args, path, gold, project, progress, **options):
        try:
            path.open("rb").close()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc
        try:
            proj = project_resolve(name=project)
            counts = bulk.clips_import_file(
                path=path, project=proj, gold=gold, progress=sys.stderr.isatty() if progress is None else progress
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
        self.stdout.write(
            self.style.SUCCESS(
                f"imported {counts['rows']} rows: {counts['clips']} new clips, {counts['videos']} new videos, "
                f"{counts['unchanged']} already present"
            )
        )
