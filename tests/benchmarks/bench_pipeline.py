"""Mining pipeline compute per minute of video vs two baselines measured in the same run (issue 12, item 6).

    .venv/bin/python tests/benchmarks/bench_pipeline.py [--minutes 1] [--repeat 2] [--size 640x360]

Makes a video of real photos (scikit-image) with camera motion and cuts (640×360 by default) at 25 fps; trains the two frame
classifiers once (not timed: a one-off per project); then times, interleaved, best of N:
- the pipeline: each stage on that video, in-process, as one worker runs it;
- bare decode: `ffmpeg -i FILE -f null -`;
- the models alone: the same models on the same frames, already decoded (the person detector on each shot's two
  frames, the ImageNet embedding on the de-dup frames, the classifiers' shared pass on the candidate frames);
  bare decode + models alone is the floor where decoding is cheap and model time dominates (360p on a CPU).
Each is timed as wall seconds and as CPU seconds (this process's threads plus its finished child processes, i.e.
ffmpeg): on a shared, loaded machine CPU seconds are the fairer figure; wall seconds also show the overlap of
decoding with inference. Uses a throw-away SQLite database and media folder.
"""

from __future__ import annotations

import argparse
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def make_video(out: Path, minutes: float, size: tuple[int, int]) -> Path:
    from skimage import data

    from tests.conftest import concat_videos
    from workers.media.synthetic import make_motion_video

    photos = [("astronaut", "zoom"), ("coffee", "pan"), ("camera", "zoom"), ("rocket", "pan"), ("chelsea", "zoom")]
    parts = []
    for i in range(int(minutes * 60 / 6)):  # 6-s shots
        name, motion = photos[i % len(photos)]
        part = out.parent / f"part{i}.mp4"
        make_motion_video(image=getattr(data, name)(), out=part, seconds=6, motion=motion, size=size)
        parts.append(part)
    return concat_videos(parts, out)


def cpu_seconds() -> float:
    """CPU time of this process (all threads) and of its waited-for children (ffmpeg)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


class Timer:
    """Best wall and best CPU seconds over the runs of one measurement."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def __enter__(self) -> Timer:
        self._wall, self._cpu = time.perf_counter(), cpu_seconds()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall.append(time.perf_counter() - self._wall)
        self.cpu.append(cpu_seconds() - self._cpu)

    def add(self, other: Timer) -> None:
        self.wall += other.wall
        self.cpu += other.cpu


def models_alone(video) -> Callable[[], None]:
    """The pipeline's models on the frames the pipeline gives them, decoded beforehand (not timed); the two
    classifiers and the de-dup embedding of a candidate frame share one pass of the frozen ImageNet trunk, the
    least the models can do (issue 12)."""
    from backend.mining.models import Shot
    from backend.mining.services import _backbone, _detector, classifier_load, latest_classifiers
    from workers import mining as compute
    from workers.classifiers.frame_classifier import committee_pass
    from workers.detection.base import shot_has_person
    from workers.media.frames import center_crop

    frames, _ = compute.analyse_video(path=video.file.path)
    shots = list(Shot.objects.filter(video=video))
    person_frames = frames.at([t for s in shots for t in compute.person_frame_times(s)])
    dedup_frames = center_crop(frames.frames[:: round(compute.ANALYSIS_FPS / compute.DEDUP_FPS)], size=224)
    candidates = frames.at([(s.start + s.end) / 2 for s in shots if shot_has_person(s.person_score or 0.0)])
    detector, backbone = _detector(), _backbone()
    classifiers = [classifier_load(model) for model in latest_classifiers()]

    def run() -> None:
        detector.score(person_frames)
        backbone.embed(dedup_frames)
        committee_pass(candidates, trunk=backbone.model, device=backbone.device, classifiers=classifiers)

    return run


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--size", default="640x360", help="frame size of the generated video, WxH")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-pipeline-"))
    os.environ.update(
        DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}",
        ACTIONLOOM_MEDIA_ROOT=str(tmp / "media"),
        ACTIONLOOM_MINING_CACHE_DIR=str(tmp / "cache"),
        DJANGO_SETTINGS_MODULE="backend.config.settings",
    )
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))  # settings refuse the dev key without DEBUG
    import django

    django.setup()
    from unittest import mock

    from django.core.management import call_command

    from backend.catalog.models import ActionClass, Project
    from backend.catalog.services import taxonomy_load, video_ingest
    from backend.mining.models import Stage, VideoMining
    from backend.mining.services import cache_path, stage_run
    from backend.mining.training import classifier_train

    call_command("migrate", verbosity=0)
    taxonomy_load()
    project = Project.objects.create(name="bench", mining_enabled=True)
    size = tuple(int(v) for v in args.size.split("x"))
    video_path = make_video(tmp / "video.mp4", args.minutes, size)
    cls = ActionClass.objects.get(name="Long jump")
    with (
        mock.patch("backend.mining.tasks.mine_stage_task.delay"),
        mock.patch("backend.clips.tasks.clip_media_cut_task.delay"),
    ):
        video = video_ingest(project=project, path=video_path, action_class=cls)
        while stage_run(video_id=video.pk) not in (Stage.DONE, Stage.REMOVED):  # warm-up: loads the models
            pass
        web = tmp / "web"
        for folder, photos in {"Long jump": ["astronaut", "camera"], "background": ["coffee", "rocket"]}.items():
            (web / folder).mkdir(parents=True)
            from skimage import data, io

            for name in photos:
                io.imsave(web / folder / f"{name}.png", getattr(data, name)(), check_contrast=False)
        classifier_train(kind="youtube", epochs=2)
        classifier_train(kind="web", folder=web, epochs=2)
        pipeline, decode, models, stages = Timer(), Timer(), Timer(), {}
        run_models = None
        for _ in range(args.repeat):
            with decode:
                subprocess.run(["ffmpeg", "-v", "error", "-i", str(video_path), "-f", "null", "-"], check=True)
            VideoMining.objects.filter(video=video).update(stage=Stage.QUEUED)
            cache_path(video).unlink(missing_ok=True)
            with pipeline:
                while True:
                    with Timer() as timer:
                        stage = stage_run(video_id=video.pk)
                    stages.setdefault(stage, Timer()).add(timer)
                    if stage in (Stage.DONE, Stage.REMOVED):
                        break
            run_models = run_models or models_alone(video)
            with models:
                run_models()
    minutes = video.duration / 60
    print(
        f"video: {video.duration:.0f} s, {args.size}, 25 fps; {video.clips.count()} clips sampled "
        f"({VideoMining.objects.get(video=video).strategy})"
    )
    print("stage          best wall s  best CPU s")
    for stage, timer in stages.items():
        print(f"  {stage:<12} {min(timer.wall):11.2f} {min(timer.cpu):11.2f}")
    floor = Timer()
    floor.wall = [d + m for d, m in zip(decode.wall, models.wall, strict=True)]
    floor.cpu = [d + m for d, m in zip(decode.cpu, models.cpu, strict=True)]
    for name, timer in (
        ("pipeline", pipeline),
        ("bare decode", decode),
        ("models alone", models),
        ("decode+models", floor),
    ):
        print(
            f"{name:<14} wall {min(timer.wall):6.2f} s ({min(timer.wall) / minutes:5.2f} per min)"
            f"   CPU {min(timer.cpu):6.2f} s ({min(timer.cpu) / minutes:5.2f} per min)"
        )
    for name, timer, goal in (("bare decode", decode, 1.5), ("bare decode + models alone", floor, 1.2)):
        print(
            f"ratio pipeline / {name}: wall {min(pipeline.wall) / min(timer.wall):.2f}x, "
            f"CPU {min(pipeline.cpu) / min(timer.cpu):.2f}x (goal <= {goal}x)"
        )


if __name__ == "__main__":
    main()
