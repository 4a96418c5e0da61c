from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backend.catalog.services import taxonomy_load
from backend.catalog.taxonomy import TaxonomyError


class Command(BaseCommand):
    help = (
        "Load a taxonomy node list (ActivityNet's layout: nodeId, nodeName, parentId, parentName; any depth, any "
        "number of roots). Default: ActivityNet v1.3 (272 nodes, 200 leaf classes). HAA500's areas are in "
        "backend/catalog/data/haa500_taxonomy.json."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path", nargs="?", type=Path, help="node list JSON (nodeId, nodeName, parentId, parentName)"
        )
        parser.add_argument(
            "--rename",
            action="store_true",
            help="let the file give loaded node ids other names (without it such a file is refused, listing them)",
        )

    def handle(self, *args, path=None, rename=False, **options):
        try:
            count = taxonomy_load(path=path, rename=rename)
        except (TaxonomyError, OSError) as exc:
            raise CommandError(f"taxonomy not loaded (nothing was written):\n{exc}") from None
        self.stdout.write(self.style.SUCCESS(f"taxonomy loaded: {count} nodes"))
