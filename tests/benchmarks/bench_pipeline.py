"""Mining pipeline wall time per minute of video vs a bare ffmpeg decode of the same file, in the same run.

    .venv/bin/python tests/benchmarks/bench_pipeline.py [--minutes 1] [--repeat 2]

Makes a video of real photos (scikit-image) with camera motion and cuts (640×360 by default) at 25 fps; trains the two frame
classifiers once (not timed: a one-off per project); then times each stage of the pipeline on that video
(in-process, as one worker runs it) and `ffmpeg -i FILE -f null -` (the baseline), interleaved, best of N.
Uses a throw-away SQLite database and media folder.
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
import time
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
        pipeline, decode, stages = [], [], {}
        for _ in range(args.repeat):
            start = time.perf_counter()
            subprocess.run(["ffmpeg", "-v", "error", "-i", str(video_path), "-f", "null", "-"], check=True)
            decode.append(time.perf_counter() - start)
            VideoMining.objects.filter(video=video).update(stage=Stage.QUEUED)
            cache_path(video).unlink(missing_ok=True)
            start = time.perf_counter()
            while True:
                t0 = time.perf_counter()
                stage = stage_run(video_id=video.pk)
                stages.setdefault(stage, []).append(time.perf_counter() - t0)
                if stage in (Stage.DONE, Stage.REMOVED):
                    break
            pipeline.append(time.perf_counter() - start)
    minutes = video.duration / 60
    best_p, best_d = min(pipeline), min(decode)
    print(
        f"video: {video.duration:.0f} s, {args.size}, 25 fps; {video.clips.count()} clips sampled "
        f"({VideoMining.objects.get(video=video).strategy})"
    )
    print("stage          best s")
    for stage, times in stages.items():
        print(f"  {stage:<12} {min(times):7.2f}")
    print(f"pipeline       {best_p:7.2f} s  = {best_p / minutes:6.2f} s per minute of video")
    print(f"ffmpeg decode  {best_d:7.2f} s  = {best_d / minutes:6.2f} s per minute of video")
    print(f"ratio pipeline / bare decode: {best_p / best_d:.2f}x (goal <= 1.5x)")


if __name__ == "__main__":
    main()
