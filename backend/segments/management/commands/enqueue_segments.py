from django.core.management.base import BaseCommand, CommandError

from backend.catalog.services import IngestError, action_class_resolve, project_resolve
from backend.segments.media import segment_videos_enqueue


class Command(BaseCommand):
    help = "Send a project's videos to segment annotation: makes their seekable proxy and thumbnail sprite (worker)."

    def add_arguments(self, parser):
        parser.add_argument("--project", default=None)
        parser.add_argument("--class", dest="class_name", default=None, help="only videos of this query class")

    def handle(self, *args, project, class_name, **options):
        try:
            proj = project_resolve(name=project)
            action_class = action_class_resolve(name=class_name) if class_name else None
        except IngestError as exc:
            raise CommandError(str(exc)) from exc
        jobs = segment_videos_enqueue(project=proj, action_class=action_class)
        self.stdout.write(
            self.style.SUCCESS(f"queued segment media for {len(jobs)} videos (jobs {[j.pk for j in jobs]})")
        )
