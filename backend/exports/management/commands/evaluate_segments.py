import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from workers.evaluation.report import EvaluationInputError, evaluate_files, format_table, parse_tiou_thresholds


class Command(BaseCommand):
    help = (
        "Score ActivityNet-layout predictions against ground truth: detection mAP at tIoU 0.50:0.05:0.95 (or "
        "--tiou, e.g. THUMOS'14's 0.1,0.2,0.3,0.4,0.5), or "
        "with --proposals average recall vs average number of proposals (AR@AN) and AUC. With --proposals and no "
        "files: the platform's own S-CNN proposals against the annotated (final) segments, and the annotators' "
        "active seconds per video with and without suggestions. With --agreement: where annotators differ, per "
        "annotator and class (label-first Hungarian matching, start/end offsets, boundary F1 at 0.5/1/2 s, "
        "duration-weighted agreement), against the final/gold answer and against each other."
    )

    def add_arguments(self, parser):
        parser.add_argument("ground_truth", type=Path, nargs="?", help="ActivityNet JSON (e.g. from export_segments)")
        parser.add_argument(
            "predictions",
            type=Path,
            nargs="?",
            help='{"version", "results": {video_id: [{label, segment, score}]}, "external_data"}',
        )
        parser.add_argument("--proposals", action="store_true", help="proposal task: labels are ignored")
        parser.add_argument(
            "--tiou",
            default="0.5:0.95:0.05",
            help="tIoU thresholds: start:stop:step, ends included (ActivityNet, the default) or a comma list "
            "(THUMOS'14: 0.1,0.2,0.3,0.4,0.5)",
        )
        parser.add_argument(
            "--agreement", action="store_true", help="annotator agreement on the platform's segments (no files)"
        )
        parser.add_argument(
            "--project", default=None, help="with --proposals or --agreement and no files: only this project"
        )
        parser.add_argument("--class", dest="class_name", default=None, help="with --agreement: only this class")
        parser.add_argument("--subset", default=None, help="evaluate only this subset of the ground truth")
        parser.add_argument("--json", dest="json_path", type=Path, default=None, help="also write the full result here")
        parser.add_argument(
            "--ignore-unknown-videos",
            action="store_true",
            help="drop predictions on videos outside the evaluated subset (officially they count)",
        )

    def handle(
        self,
        *args,
        ground_truth,
        predictions,
        proposals,
        agreement,
        class_name,
        tiou,
        project,
        subset,
        json_path: Path | None,
        ignore_unknown_videos,
        **options,
    ):
        try:
            thresholds = parse_tiou_thresholds(tiou)
        except EvaluationInputError as exc:
            raise CommandError(f"--{exc}") from None
        if agreement:
            if proposals or ground_truth is not None or predictions is not None:
                raise CommandError("--agreement reads the platform's own segments: give no files and no --proposals")
            result = self._agreement(project=project, class_name=class_name)
        elif class_name:
            raise CommandError("--class applies to --agreement")
        elif ground_truth is None and predictions is None:
            if not proposals:
                raise CommandError(
                    "give GROUND_TRUTH and PREDICTIONS files (or --proposals to score the platform's "
                    "own proposals against its annotated segments)"
                )
            result = self._platform_proposals(project=project, subset=subset, thresholds=thresholds)
        elif ground_truth is None or predictions is None:
            raise CommandError("give both GROUND_TRUTH and PREDICTIONS, or neither (with --proposals)")
        else:
            if project:
                raise CommandError("--project applies to the platform's own proposals (no files)")
            files = {}
            for name, path in (("ground truth", ground_truth), ("predictions", predictions)):
                try:
                    files[name] = _load(path)
                except (OSError, UnicodeDecodeError, ValueError) as exc:
                    raise CommandError(f"{name} {path}: {exc}") from exc
            try:
                result = evaluate_files(
                    ground_truth=files["ground truth"],
                    predictions=files["predictions"],
                    proposals=proposals,
                    subset=subset,
                    ignore_unknown_videos=ignore_unknown_videos,
                    tiou_thresholds=thresholds,
                )
            except EvaluationInputError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(format_table(result))
        if json_path is not None:
            json_path.write_text(json.dumps(result, indent=1), encoding="utf-8")
            self.stderr.write(self.style.SUCCESS(f"wrote {json_path}"))

    def _agreement(self, *, project: str | None, class_name: str | None) -> dict:
        from backend.catalog.models import ActionClass, Project
        from backend.quality.selectors_agreement import segment_agreement

        scope = cls = None
        if project:
            scope = Project.objects.filter(name=project).first()
            if scope is None:
                raise CommandError(f"no project named {project!r}")
        if class_name:
            cls = ActionClass.objects.filter(name=class_name).first()
            if cls is None:
                raise CommandError(f"no class named {class_name!r}")
        result = segment_agreement(project=scope, action_class=cls)
        self.stdout.write(format_agreement(result))
        return result

    def _platform_proposals(self, *, project: str | None, subset: str | None, thresholds) -> dict:
        from backend.catalog.models import Project
        from backend.exports.proposal_files import proposal_evaluation_files
        from backend.segments.selectors import proposal_runs_summary, suggestion_time

        scope = None
        if project:
            scope = Project.objects.filter(name=project).first()
            if scope is None:
                raise CommandError(f"no project named {project!r}")
        ground_truth, results = proposal_evaluation_files(project=scope, subset=subset)
        runs = proposal_runs_summary(project=scope)
        timing = suggestion_time(project=scope)
        self.stdout.write(
            f"S-CNN proposals of {project or 'every project'}: "
            + (", ".join(f"{k}: {v}" for k, v in runs.items()) or "none computed yet")
        )
        result: dict = {"proposal_runs": runs, "suggestion_time": timing}
        if ground_truth["database"]:
            # Only the annotated videos' proposals are stored in the results, so nothing lies outside the ground truth.
            result.update(
                evaluate_files(
                    ground_truth=ground_truth,
                    predictions=results,
                    proposals=True,
                    subset=subset,
                    tiou_thresholds=thresholds,
                )
            )
            self.stdout.write(format_table(result))
        else:
            self.stdout.write("no annotated (final) segments to score the proposals against")
        self.stdout.write("\nActive seconds per video (submitted regular annotations):")
        self.stdout.write(
            f"{'':>20}  {'videos':>6}  {'mean s':>8}  {'median s':>8}  {'accepted':>8}  "
            f"{'adjusted':>8}  {'dismissed':>9}"
        )
        for key, label in (("with", "with suggestions"), ("without", "without suggestions")):
            row = timing[key]
            cells = [
                _num(row[k])
                for k in (
                    "mean_seconds",
                    "median_seconds",
                    "accepted_per_video",
                    "adjusted_per_video",
                    "dismissed_per_video",
                )
            ]
            self.stdout.write(
                f"{label:>20}  {row['annotations']:>6}  {cells[0]:>8}  {cells[1]:>8}  {cells[2]:>8}  "
                f"{cells[3]:>8}  {cells[4]:>9}"
            )
        return result


def format_agreement(result: dict) -> str:
    """Two tables: each annotator and class against the reference (final/gold) and against the others; then pairs."""
    tols = result["tolerances"]
    head = (
        f"{'annotator':<16} {'class':<20} {'versus':<9} {'videos':>6} {'matched':>7} {'|start| med':>11} "
        f"{'p90':>6} {'|end| med':>9} {'p90':>6} " + " ".join(f"{'bF1@' + t:>7}" for t in tols) + f" {'weighted':>8}"
    )

    def row(name: str, cls: str, versus: str, s: dict) -> str:
        return (
            f"{name:<16} {cls:<20} {versus:<9} {s['videos']:>6} {s['matched']:>7} {_num(s['start_abs_median'], 2):>11} "
            f"{_num(s['start_abs_p90'], 2):>6} {_num(s['end_abs_median'], 2):>9} {_num(s['end_abs_p90'], 2):>6} "
            + " ".join(f"{_num(s['boundary_f1'][t], 3):>7}" for t in tols)
            + f" {_num(s['weighted_agreement'], 3):>8}"
        )

    lines = ["Segment agreement per annotator and class (offsets in seconds; bF1 = boundary F1 at a tolerance)", head]
    for a in result["annotators"]:
        lines.append(row(a["annotator"], a["class"], "reference", a["vs_reference"]))
        lines.append(row(a["annotator"], a["class"], "others", a["vs_others"]))
    if not result["annotators"]:
        lines.append("no finished segment annotations")
    lines += ["", "Pairs of annotators (versus: the second of the pair)", head]
    for p in result["pairs"]:
        lines.append(row(p["a"], p["class"], p["b"], p))
    return "\n".join(lines)


def _num(value, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _load(path: Path):
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)
