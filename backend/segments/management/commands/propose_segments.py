"""`manage.py propose_segments`: (re)compute the S-CNN proposals of the videos in segment annotation (issue 6)."""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from backend.catalog.models import Project
from backend.segments.models import SegmentProposalRun, SegmentVideo
from backend.segments.proposal_head import proposal_head_train
from backend.segments.proposals import segment_proposals_enqueue, segment_proposals_failed, segment_proposals_make


class Command(BaseCommand):
    help = (
        "Compute the S-CNN proposals (timeline suggestions) of every video whose proxy is ready, with the current "
        "frame classifiers; --train-head also trains the project's learned proposal head from its annotated "
        "segments and re-ranks with it when it beats the mean probability on held-out videos."
    )

    def add_arguments(self, parser):
        parser.add_argument("--project", default=None, help="only this project's videos")
        parser.add_argument("--force", action="store_true", help="score the frames again even when nothing changed")
        parser.add_argument("--train-head", action="store_true", help="train the learned proposal head first")
        parser.add_argument(
            "--head-subset", default=None, help="train the head on this subset's annotated videos only (e.g. training)"
        )
        parser.add_argument("--enqueue", action="store_true", help="leave the work to the Celery workers")

    def handle(self, *args, project, force, train_head, head_subset, enqueue, **options):
        scope = None
        if project:
            scope = Project.objects.filter(name=project).first()
            if scope is None:
                raise CommandError(f"no project named {project!r}")
        if train_head:
            for proj in [scope] if scope else Project.objects.order_by("pk"):
                head = proposal_head_train(project=proj, subset=head_subset)
                if head is None:
                    self.stdout.write(f"{proj}: too few annotated segments for a proposal head")
                    continue
                self.stdout.write(
                    f"{proj}: proposal head v{head.version} from {head.segments} segments of {head.videos} videos; "
                    f"held-out AUC {_pct(head.holdout_auc_head)} vs {_pct(head.holdout_auc_mean)} (mean probability)"
                    f" on {head.holdout_videos} videos: {'in use' if head.active else 'not used'}"
                )
        if enqueue:
            count = segment_proposals_enqueue(project=scope, force=force)
            self.stdout.write(self.style.SUCCESS(f"queued proposals for {count} videos"))
            return
        videos = SegmentVideo.objects.filter(media_state=SegmentVideo.MediaState.READY).order_by("pk")
        if scope is not None:
            videos = videos.filter(video__project=scope)
        states = {}
        for pk in tqdm(list(videos.values_list("pk", flat=True)), unit="video", desc="proposals"):
            try:
                state = segment_proposals_make(segment_video_id=pk, force=force).state
            except (RuntimeError, ValueError) as exc:  # as the task does: recorded, the others go on
                segment_proposals_failed(segment_video_id=pk, message=str(exc))
                self.stderr.write(f"segment video {pk}: {exc}")
                state = SegmentProposalRun.State.FAILED
            states[state] = states.get(state, 0) + 1
        ready = SegmentProposalRun.objects.filter(segment_video__in=videos, state="ready")
        total = sum(r.proposals.count() for r in ready)
        self.stdout.write(
            self.style.SUCCESS(
                f"proposals: {', '.join(f'{k} {v}' for k, v in sorted(states.items())) or 'no videos'}; "
                f"{total} proposals on {ready.count()} videos"
            )
        )
        if states.get(SegmentProposalRun.State.NO_CLASSIFIER):
            self.stdout.write(
                "no frame classifier knows some classes: those videos get no suggestions (manage.py train_classifier)"
            )


def _pct(value) -> str:
    return "—" if value is None else f"{value:.1f}"
