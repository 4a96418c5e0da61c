import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from workers.evaluation.report import EvaluationInputError, evaluate_files, format_table


class Command(BaseCommand):
    help = ("Score ActivityNet-layout predictions against ground truth: detection mAP at tIoU 0.50:0.05:0.95, or "
            "with --proposals average recall vs average number of proposals (AR@AN) and AUC.")

    def add_arguments(self, parser):
        parser.add_argument("ground_truth", type=Path, help="ActivityNet JSON (e.g. from export_segments)")
        parser.add_argument("predictions", type=Path, help='{"version", "results": {video_id: [{label, segment, '
                                                           'score}]}, "external_data"}')
        parser.add_argument("--proposals", action="store_true", help="proposal task: labels are ignored")
        parser.add_argument("--subset", default=None, help="evaluate only this subset of the ground truth")
        parser.add_argument("--json", dest="json_path", type=Path, default=None, help="also write the full result here")
        parser.add_argument("--ignore-unknown-videos", action="store_true",
                            help="drop predictions on videos outside the evaluated subset (officially they count)")

    def handle(self, *args, ground_truth, predictions, proposals, subset, json_path: Path | None,
               ignore_unknown_videos, **options):
        files = {}
        for name, path in (("ground truth", ground_truth), ("predictions", predictions)):
            try:
                files[name] = _load(path)
            except (OSError, UnicodeDecodeError, ValueError) as exc:
                raise CommandError(f"{name} {path}: {exc}") from exc
        try:
            result = evaluate_files(ground_truth=files["ground truth"], predictions=files["predictions"],
                                    proposals=proposals, subset=subset, ignore_unknown_videos=ignore_unknown_videos)
        except EvaluationInputError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(format_table(result))
        if json_path is not None:
            json_path.write_text(json.dumps(result, indent=1), encoding="utf-8")
            self.stderr.write(self.style.SUCCESS(f"wrote {json_path}"))


def _load(path: Path):
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)
