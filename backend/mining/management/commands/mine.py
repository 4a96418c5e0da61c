"""`manage.py mine`: run the mining pipeline on videos, with a progress bar per stage count."""

import json
import time
from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from backend.catalog.models import Video
from backend.catalog.services import IngestError, action_class_resolve
from backend.core.models import Job
from backend.mining.models import Stage, VideoMining
from backend.mining.selectors import mining_report
from backend.mining.services import mining_videos_start


class Command(BaseCommand):
    help = "Mine videos: de-dup features, shots, person detection, frame scores, clip sampling, clip media."

    def add_arguments(self, parser):
        parser.add_argument("--class", dest="class_name", help="only videos retrieved for this class")
        parser.add_argument("--limit", type=int, help="at most this many videos")
        parser.add_argument("--restart", action="store_true", help="mine finished videos again from the start")
        parser.add_argument("--no-wait", action="store_true", help="queue the work and return")
        parser.add_argument("--timeout", type=float, default=3600, help="seconds to wait for the workers")
        parser.add_argument(
            "--report",
            type=Path,
            metavar="FILE.json",
            help="afterwards, write per video (of --class, or all) its status, shots and sampled clips to this file",
        )

    def handle(self, *args, class_name, limit, restart, no_wait, timeout, report, **options):
        videos = Video.objects.exclude(file="").order_by("pk")
        if class_name:
            try:
                videos = videos.filter(query_class=action_class_resolve(name=class_name))
            except IngestError as exc:
                raise CommandError(str(exc)) from exc
        try:
            self._mine(videos, limit=limit, restart=restart, no_wait=no_wait, timeout=timeout)
        finally:
            if report:
                self._report(videos, report)

    def _report(self, videos, path: Path) -> None:
        data = mining_report(videos=videos.select_related("query_class"))
        path.write_text(json.dumps(data, indent=1) + "\n")
        self.stdout.write(f"report of {len(data['videos'])} video(s) written to {path}")

    def _mine(self, videos, *, limit, restart, no_wait, timeout) -> None:
        if not restart:
            videos = videos.exclude(mining__stage__in=[Stage.DONE, Stage.REMOVED])
        ids = list(videos.values_list("pk", flat=True)[:limit] if limit else videos.values_list("pk", flat=True))
        if not ids:
            self.stdout.write("no videos to mine")
            return
        mining_videos_start(videos=Video.objects.filter(pk__in=ids), restart=restart, publish_now=True)
        self.stdout.write(f"queued {len(ids)} video(s) for mining")
        if not no_wait:
            self._wait(ids, timeout)

    def _wait(self, ids: list[int], timeout: float) -> None:
        jobs = Job.objects.filter(video_id__in=ids, kind="mine")
        deadline = time.monotonic() + timeout
        with tqdm(total=len(ids), unit="video", desc="mining") as bar:
            while time.monotonic() < deadline:
                finished = jobs.filter(state__in=[Job.State.DONE, Job.State.FAILED]).count()
                bar.update(finished - bar.n)
                stages = Counter(VideoMining.objects.filter(video_id__in=ids).values_list("stage", flat=True))
                bar.set_postfix(dict(sorted(stages.items())))
                if finished == len(ids):
                    break
                time.sleep(0.5)
            else:
                raise CommandError("timed out waiting for the workers (is a Celery worker running?)")
        failed = list(jobs.filter(state=Job.State.FAILED).values_list("video__external_id", "message"))
        removed = VideoMining.objects.filter(video_id__in=ids, stage=Stage.REMOVED).count()
        for ext, message in failed:
            self.stderr.write(self.style.ERROR(f"{ext}: {message}"))
        self.stdout.write(
            self.style.SUCCESS(
                f"mined {len(ids) - len(failed)} video(s); {removed} removed "
                f"(duplicates or no person), {len(failed)} failed"
            )
        )
        if failed:
            raise CommandError(f"{len(failed)} video(s) failed")
