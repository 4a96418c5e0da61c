import sys

from django.core.management.base import BaseCommand, CommandError

from backend.catalog.taxonomy import TaxonomyError, taxonomy_dumps, taxonomy_nodes


class Command(BaseCommand):
    help = (
        "Write the loaded taxonomy as a node list in ActivityNet's layout (what load_taxonomy reads): the whole "
        "tree, or with --root the subtree under one node."
    )

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", default="-", help="file path, or - for standard output")
        parser.add_argument("--root", default=None, help="name of the node whose subtree to write (e.g. HAA500)")

    def handle(self, *args, output, root, **options):
        try:
            nodes = taxonomy_nodes(root=root)
        except TaxonomyError as exc:
            raise CommandError(str(exc)) from None
        text = taxonomy_dumps(nodes)
        if output == "-":
            sys.stdout.write(text)
            return
        with open(output, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        self.stderr.write(self.style.SUCCESS(f"wrote {output} ({len(nodes)} nodes)"))
