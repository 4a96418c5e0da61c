"""A real Celery worker process on the configured broker (filesystem by default, Redis in CI) cuts clip media."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from backend.catalog.services import video_ingest
from backend.clips.models import Clip
from workers.media.probing import ffprobe_json

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def moov_before_mdat(path: Path) -> bool:
    """+faststart: the index (moov) comes before the media data, so playback starts before the download ends."""
    data = path.read_bytes()
    return 0 <= data.find(b"moov") < data.find(b"mdat")


def test_worker_cuts_small_muted_faststart_clips_for_an_ingested_video(
    worker, demo_video, project, action_class, settings
):
    # given a video ingested in this process (its media tasks are published on commit)
    video = video_ingest(project=project, path=demo_video, action_class=action_class)
    # when the worker process picks them up
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if not video.clips.exclude(media_state=Clip.MediaState.READY).exists():
            break
        assert worker.poll() is None, (Path(settings.MEDIA_ROOT).parent / "worker.log").read_text()[-3000:]
        time.sleep(0.5)
    # then every clip has a small, muted, H.264, +faststart MP4 and a poster, stored under generated keys
    clips = list(video.clips.all())
    assert len(clips) == 3
    assert all(c.media_state == Clip.MediaState.READY for c in clips), (
        Path(settings.MEDIA_ROOT).parent / "worker.log"
    ).read_text()[-3000:]
    for clip in clips:
        path = Path(settings.MEDIA_ROOT) / clip.media.name
        info = ffprobe_json(path)
        streams = info["streams"]
        assert [s["codec_type"] for s in streams] == ["video"]
        assert streams[0]["codec_name"] == "h264" and min(streams[0]["width"], streams[0]["height"]) <= 180
        assert float(info["format"]["duration"]) == pytest.approx(2.0, abs=0.05)
        assert moov_before_mdat(path)
        assert (Path(settings.MEDIA_ROOT) / clip.poster.name).stat().st_size > 1000
        assert clip.uid.hex in clip.media.name
    video.refresh_from_db()
    assert video.status == video.Status.READY
