"""Mining one video end to end on the embedded default against the pipeline's compute alone, in one run.

    .venv/bin/python tests/benchmarks/bench_mining_end_to_end.py [--minutes 1] [--size 640x360] [--repeat 2]

End to end: `video_ingest` in this process (probe, store; the first stage is published on commit), then the stages
and the clip cuts run by a real worker started as scripts/run.sh starts it (`celery -A backend.config worker
--loglevel=info --concurrency=2`, embedded broker, SQLite), until the video's pipeline has ended and every sampled
clip has its media. Compute alone: the same steps in this process with the tasks' publishing switched off
(`video_ingest`, `stage_run` until the pipeline ends, `clip_media_cut` for each clip). Each run uses a project of its
own (de-dup compares videos within a project and class), the two kinds interleaved; the first end-to-end run is
also reported on its own (the worker's pool processes load the models then). Both classifiers are trained first (not
timed; a first mined video gives them frames). A throw-away database, media and broker folder.

The worker's log gives each task's received and succeeded times: the hand-off gaps (one task's end to the next
one's receipt) are printed, so the cost of the broker is seen apart from the compute.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

LOG_LINE = re.compile(
    r"^\[(?P<at>[\d-]+ [\d:,]+): INFO/[^\]]+\] Task (?P<task>[\w.]+)\[(?P<id>[0-9a-f-]+)\] (?P<what>received|succeeded)(?: in (?P<runtime>[\d.e-]+)s)?"
)


def handoffs(log: Path, since: datetime) -> tuple[int, float, float, float]:
    """(tasks, their summed run times, summed idle gaps, longest gap) of the pipeline's tasks logged after `since`.
    A gap: the worker idle between the end of every task received so far and the receipt of the next one (the
    broker's hand-off)."""
    received, succeeded, runtime = {}, {}, 0.0
    for line in log.read_text().splitlines():
        m = LOG_LINE.match(line)
        if m and m["task"] != "celery.accumulate":
            at = datetime.strptime(m["at"], "%Y-%m-%d %H:%M:%S,%f")
            if at >= since:
                (received if m["what"] == "received" else succeeded)[m["id"]] = at
                runtime += float(m["runtime"] or 0)
    order = sorted(received, key=received.get)
    gaps = []
    for i, task_id in enumerate(order[1:], start=1):
        ends = [succeeded.get(earlier, datetime.max) for earlier in order[:i]]
        gaps.append(max(0.0, (received[task_id] - max(ends)).total_seconds()) if max(ends) < datetime.max else 0.0)
    return len(order), runtime, sum(gaps), max(gaps, default=0.0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=1.0)
    parser.add_argument("--size", default="640x360", help="frame size of the generated video, WxH")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each kind (best taken)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-e2e-"))
    env = {
        "DJANGO_DEBUG": "1",  # as scripts/run.sh
        "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
        "ACTIONLOOM_MEDIA_ROOT": str(tmp / "media"),
        "ACTIONLOOM_MINING_CACHE_DIR": str(tmp / "cache"),
        "ACTIONLOOM_BROKER_DIR": str(tmp / "broker"),
        "DJANGO_SETTINGS_MODULE": "backend.config.settings",
    }
    os.environ.pop("CELERY_BROKER_URL", None)  # the embedded default
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    import django

    django.setup()
    from django.core.management import call_command
    from skimage import data, io

    from backend.catalog.models import ActionClass, Project
    from backend.catalog.services import taxonomy_load, video_ingest
    from backend.clips.models import Clip
    from backend.clips.services import clip_media_cut
    from backend.mining.models import Stage, VideoMining
    from backend.mining.services import stage_run
    from backend.mining.training import classifier_train
    from tests.benchmarks.bench_broker import Worker
    from tests.benchmarks.bench_pipeline import make_video

    call_command("migrate", verbosity=0)
    taxonomy_load()
    cls = ActionClass.objects.get(name="Long jump")
    size = tuple(int(v) for v in args.size.split("x"))
    video_path = make_video(tmp / "video.mp4", args.minutes, size)
    web = tmp / "web"
    for folder, photos in {"Long jump": ["astronaut", "camera"], "background": ["coffee", "rocket"]}.items():
        (web / folder).mkdir(parents=True)
        for name in photos:
            io.imsave(web / folder / f"{name}.png", getattr(data, name)(), check_contrast=False)

    def compute_alone(n: int) -> tuple[float, int]:
        project = Project.objects.create(name=f"compute {n}", mining_enabled=True)
        with (
            mock.patch("backend.mining.tasks.mine_stage_task.delay"),
            mock.patch("backend.clips.tasks.clip_media_cut_task.delay"),
        ):
            start = time.perf_counter()
            video = video_ingest(project=project, path=video_path, action_class=cls)
            while stage_run(video_id=video.pk) not in (Stage.DONE, Stage.REMOVED):
                pass
            for clip_id in video.clips.values_list("pk", flat=True):
                clip_media_cut(clip_id=clip_id)
            return time.perf_counter() - start, video.clips.count()

    def end_to_end(n: int, worker: Worker) -> tuple[float, int, tuple[int, float, float, float]]:
        project = Project.objects.create(name=f"end to end {n}", mining_enabled=True)
        since = datetime.now()
        start = time.perf_counter()
        video = video_ingest(project=project, path=video_path, action_class=cls)
        while True:
            ended = VideoMining.objects.filter(video=video, stage__in=[Stage.DONE, Stage.REMOVED]).exists()
            if ended and not video.clips.filter(media_state=Clip.MediaState.PENDING).exists():
                break
            if worker.proc.poll() is not None or time.perf_counter() - start > 900:
                raise SystemExit(f"the worker stopped or never finished: see {worker.log_path}")
            time.sleep(0.01)
        elapsed = time.perf_counter() - start
        time.sleep(0.5)  # the last task's "succeeded" line
        return elapsed, video.clips.count(), handoffs(worker.log_path, since)

    compute_alone(-1)  # the frames the classifiers train on; loads the models in this process
    classifier_train(kind="youtube", epochs=2)
    classifier_train(kind="web", folder=web, epochs=2)
    worker_env = {**os.environ, **env}
    worker = Worker(worker_env, tmp / "worker.log", concurrency=2, extra=[])
    compute, e2e = [], []
    try:
        worker.wait_ready()
        for n in range(args.repeat):
            compute.append(compute_alone(n))
            e2e.append(end_to_end(n, worker))
    finally:
        worker.stop()
    print(f"video: {args.minutes * 60:.0f} s, {args.size}, 25 fps; clips per run: {[c for _, c in compute]}")
    for n, ((c, _), (e, _, (tasks, runtime, gaps, longest))) in enumerate(zip(compute, e2e, strict=True)):
        print(
            f"run {n}: compute alone {c:6.2f} s   end to end {e:6.2f} s   ratio {e / c:5.2f}x   ({tasks} tasks "
            f"running {runtime:5.2f} s in all; hand-off gaps {gaps:5.2f} s in all, longest {longest:4.2f} s)"
        )
    best_c, best_e = min(c for c, _ in compute), min(e for e, _, _ in e2e)
    print(f"best: compute alone {best_c:.2f} s, end to end {best_e:.2f} s: ratio {best_e / best_c:.2f}x (goal <= 2x)")


if __name__ == "__main__":
    main()
