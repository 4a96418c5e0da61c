from pathlib import Path

from django.core.management.base import BaseCommand

from backend.catalog.services import taxonomy_load


class Command(BaseCommand):
    help = "Load an ActivityNet-style taxonomy (default: ActivityNet v1.3, 272 nodes, 200 leaf classes)."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", type=Path, help="node list JSON (nodeId, nodeName, parentId, parentName)")

    def handle(self, *args, path=None, **options):
        count = taxonomy_load(path=path)
        self.stdout.write(self.style.SUCCESS(f"taxonomy loaded: {count} nodes"))
