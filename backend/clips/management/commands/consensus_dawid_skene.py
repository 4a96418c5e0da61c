from django.core.management.base import BaseCommand, CommandError

from backend.catalog.services import IngestError, project_resolve
from backend.clips.dawid_skene import consensus_dawid_skene


class Command(BaseCommand):
    help = (
        "Fit Dawid-Skene to all labels of a project (gold clamped); report where it differs from the 2-of-3 "
        "majority and each annotator's estimated accuracy; --apply makes it the final label of decided clips."
    )

    def add_arguments(self, parser):
        parser.add_argument("--project", default=None)
        parser.add_argument("--apply", action="store_true")

    def handle(self, *args, project, apply, **options):
        try:
            report = consensus_dawid_skene(project=project_resolve(name=project), apply=apply)
        except (IngestError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        for name, accuracy in sorted(report.annotators.items()):
            self.stdout.write(f"  {name:<24} estimated accuracy {accuracy:.1%}")
        verb = "changed" if report.applied else "would change"
        self.stdout.write(self.style.SUCCESS(f"Dawid-Skene {verb} {report.changed} of {report.clips} decided clips"))
