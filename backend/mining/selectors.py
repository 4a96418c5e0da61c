"""Mining reads: the per-video report a person and a script can read (`manage.py mine --report FILE.json`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from backend.catalog.models import Video
from backend.clips.models import Clip
from backend.mining.models import Shot, Stage, VideoMining

REPORT_VERSION = 1


def _status(mining: VideoMining | None) -> str:
    """kept (mined to the end), removed, or where the pipeline is (not mined, queued, features, …)."""
    if mining is None:
        return "not mined"
    return {Stage.DONE: "kept", Stage.REMOVED: "removed"}.get(Stage(mining.stage), mining.stage)


def _frame(seconds: float, fps: float) -> int | None:
    return round(seconds * fps) if fps > 0 else None


def mining_report(*, videos: Iterable[Video]) -> dict[str, Any]:
    """What mining made of each video: its status (kept, or removed with the reason and the video it duplicates),
    its shots (frames from the video's fps: `start_frame` is the shot's first frame, `end_frame` its last; times in
    seconds; `kept` when a person was found in it, SLAC §3.5) and its sampled clips (seconds, sampling method).

    Clips of a removed video that were kept for their labels are listed with their `retired` reason.
    """
    from workers.detection.base import shot_has_person

    videos = list(videos)
    ids = [v.pk for v in videos]
    minings = {m.video_id: m for m in VideoMining.objects.filter(video_id__in=ids).select_related("duplicate_of")}
    shots: dict[int, list[Shot]] = {}
    for shot in Shot.objects.filter(video_id__in=ids).order_by("video_id", "index").defer("candidates"):
        shots.setdefault(shot.video_id, []).append(shot)
    clips: dict[int, list[Clip]] = {}
    for clip in Clip.objects.filter(video_id__in=ids).order_by("video_id", "start", "end", "pk"):
        clips.setdefault(clip.video_id, []).append(clip)
    rows = []
    for video in videos:
        mining = minings.get(video.pk)
        fps = video.fps
        rows.append(
            {
                "video": video.external_id,
                "id": video.pk,
                "file": video.original_name,
                "class": video.query_class.name,
                "duration": video.duration,
                "fps": fps,
                "status": _status(mining),
                "removed_reason": mining.removed_reason if mining and mining.stage == Stage.REMOVED else None,
                "duplicate_of": mining.duplicate_of.external_id if mining and mining.duplicate_of else None,
                "sampling": mining.strategy if mining and mining.strategy else None,
                "shots": [
                    {
                        "index": s.index,
                        "start_frame": _frame(s.start, fps),
                        # the shot ends where the next begins: its last frame is the one before
                        "end_frame": None if fps <= 0 else max(_frame(s.start, fps) or 0, round(s.end * fps) - 1),
                        "start": s.start,
                        "end": s.end,
                        "person_score": s.person_score,
                        "kept": s.person_score is not None and shot_has_person(s.person_score),
                    }
                    for s in shots.get(video.pk, [])
                ],
                "clips": [
                    {"start": c.start, "end": c.end, "method": c.method, "retired": c.retired_reason or None}
                    for c in clips.get(video.pk, [])
                ],
            }
        )
    return {"version": REPORT_VERSION, "videos": rows}
