from django.core.management.base import BaseCommand

from backend.clips.services import clips_requeue_pending


class Command(BaseCommand):
    help = ("Publish a media task for every clip still waiting for its media (after a broker outage or a lost "
            "message). Every worker also does this when it starts. Safe to run any time: cutting is idempotent.")

    def handle(self, *args, **options):
        count = clips_requeue_pending()
        self.stdout.write(self.style.SUCCESS(f"re-enqueued {count} clip media task(s)"))
