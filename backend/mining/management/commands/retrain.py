"""`manage.py retrain`: one active-learning round, here in this process (the scheduled one runs on a worker)."""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from backend.mining.learning import learning_round_run


class Command(BaseCommand):
    help = (
        "Fine-tune both frame classifiers on consensus-labelled clips (positives per class, negatives as hard "
        "background), store them as new versions, and re-score and re-sample the videos nobody labelled yet."
    )

    def add_arguments(self, parser):
        parser.add_argument("--epochs", type=int, default=4)
        parser.add_argument("--no-resample", action="store_true", help="retrain only")

    def handle(self, *args, epochs, no_resample, **options):
        with tqdm(total=100, unit="%", desc="retraining") as bar:
            try:
                round_ = learning_round_run(
                    epochs=epochs, resample=not no_resample, progress=lambda f: bar.update(int(f * 100) - bar.n)
                )
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"round {round_.number}: trained on {round_.training_clips} consensus clips "
                f"(youtube v{round_.youtube_model.version} {round_.youtube_model.val_accuracy:.1%}, "
                f"web v{round_.web_model.version} {round_.web_model.val_accuracy:.1%}); "
                f"{round_.videos_resampled} video(s) queued for re-sampling"
            )
        )
