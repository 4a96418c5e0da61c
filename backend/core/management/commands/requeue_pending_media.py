from django.core.management.base import BaseCommand

from backend.core.tasks import requeue_all


class Command(BaseCommand):
    help = (
        "Publish again the tasks whose rows still wait (clip media, mining stages, segment media, human-centric "
        "scores), e.g. after a broker outage. Every worker also does this when it starts."
    )

    def handle(self, *args, **options):
        counts = requeue_all()
        for name, count in counts.items():
            self.stdout.write(f"re-enqueued {count} {name} task(s)")
        self.stdout.write(self.style.SUCCESS(f"re-enqueued {sum(counts.values())} task(s) in all"))
