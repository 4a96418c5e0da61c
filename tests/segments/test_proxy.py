"""The seekable proxy: it starts at the source's first frame, seeks to within one frame, keeps audio, and the task
that makes it is idempotent and records its job."""

from pathlib import Path

import numpy as np
import pytest

from backend.catalog.services import video_ingest
from backend.core.models import Job
from backend.segments.media import segment_media_make, segment_videos_enqueue
from backend.segments.models import SegmentVideo
from tests.segments.media import decode_index
from workers.media import proxy
from workers.media.frames import read_frames
from workers.media.probing import ffprobe_json

FPS = 25


@pytest.fixture(scope="module")
def made_proxy(index_video, tmp_path_factory):
    out = tmp_path_factory.mktemp("proxy")
    result = proxy.make_proxy(source=index_video, out_video=out / "proxy.mp4", out_sprite=out / "sprite.jpg")
    return result, out / "proxy.mp4", out / "sprite.jpg"


def test_the_source_starts_late_and_the_proxy_starts_at_its_first_frame(index_video, made_proxy):
    # given a source whose container starts at ~1.46 s and whose first frame comes ~0.02 s after that
    timing = proxy.first_frame_time(index_video)
    assert timing.container_start > 1.0 and timing.offset == pytest.approx(0.0232, abs=0.005)
    result, path, _ = made_proxy
    # then the proxy's video and audio both start at 0, and its first frame is the source's frame 0
    info = ffprobe_json(path)
    assert float(info["format"]["start_time"]) == 0.0
    assert {s["codec_type"]: float(s["start_time"]) for s in info["streams"]} == {"video": 0.0, "audio": 0.0}
    assert decode_index(read_frames(path=path, duration=0.5 / FPS).frames[0]) == 0
    assert result.offset == pytest.approx(timing.offset)
    assert result.duration == pytest.approx(12.0, abs=1 / FPS) and result.fps == FPS


def test_proxy_is_h264_with_aac_faststart_and_a_keyframe_at_least_every_half_second(made_proxy):
    result, path, _ = made_proxy
    streams = {s["codec_type"]: s for s in ffprobe_json(path)["streams"]}
    assert streams["video"]["codec_name"] == "h264" and streams["audio"]["codec_name"] == "aac"
    assert result.has_audio
    keys = proxy.keyframe_times(path)
    assert keys[0] == 0.0 and max(np.diff(keys)) <= 0.5 + 1e-6 and keys[-1] >= 12.0 - 0.5 - 1 / FPS
    data = path.read_bytes()
    assert 0 <= data.find(b"moov") < data.find(b"mdat")  # +faststart


@pytest.mark.parametrize("frame", [0, 1, 12, 13, 49, 50, 133, 250, 298])
def test_seeking_the_proxy_lands_within_one_frame(made_proxy, frame):
    _, path, _ = made_proxy
    # every frame of the proxy is the source frame of the same index: nothing dropped or repeated at the start
    for requested in (frame / FPS, (frame + 0.5) / FPS):
        shown = decode_index(read_frames(path=path, start=requested, duration=0.5 / FPS).frames[0])
        assert abs(shown / FPS - requested) <= 1 / FPS, (requested, shown)
    assert decode_index(read_frames(path=path, start=frame / FPS, duration=0.5 / FPS).frames[0]) == frame


def test_sprite_sheet_tiles_one_thumb_per_interval(made_proxy):
    result, _, sprite = made_proxy
    meta = result.sprite
    assert (meta.interval, meta.count, meta.columns, meta.rows) == (1.0, 12, 10, 2)
    assert (meta.tile_width, meta.tile_height) == (128, 72)
    image = read_frames(path=sprite).frames[0]
    assert image.shape == (2 * 72, 10 * 128, 3)
    # thumb k shows the frame at k seconds (bars scaled down with the thumb)
    assert [
        decode_index(image[(k // 10) * 72 : (k // 10 + 1) * 72, (k % 10) * 128 : (k % 10 + 1) * 128]) for k in range(12)
    ] == [k * FPS for k in range(12)]


def test_longer_videos_get_a_wider_interval_so_the_sprite_stays_small():
    assert proxy.sprite_interval(12) == 1.0
    assert proxy.sprite_interval(240) == 2.0
    assert proxy.keyframe_interval(25) == 12 and proxy.keyframe_interval(30000 / 1001) == 14
    assert proxy.keyframe_interval(60) == 30


@pytest.mark.django_db
def test_media_task_stores_proxy_and_sprite_once_under_opaque_keys(
    index_video, project, action_class, segment_media_inline, settings
):
    video = video_ingest(project=project, path=index_video, action_class=action_class)
    # when the video is sent to segment annotation (media made on commit; inline here)
    jobs = segment_videos_enqueue(project=project)
    segment_video = SegmentVideo.objects.get(video=video)
    segment_media_make(segment_video_id=segment_video.pk, job_id=jobs[0].pk)
    segment_video.refresh_from_db()
    assert segment_video.media_state == SegmentVideo.MediaState.READY
    assert segment_video.media_fps == FPS and segment_video.has_audio
    assert segment_video.first_frame_offset == pytest.approx(0.0232, abs=0.005)
    assert segment_video.sprite_meta["count"] == 12
    hexkey = segment_video.uid.hex
    assert segment_video.proxy.name == f"segments/{hexkey[:2]}/{hexkey}.mp4"
    assert segment_video.sprite.name == f"segments/{hexkey[:2]}/{hexkey}.jpg"
    assert Job.objects.get(pk=jobs[0].pk).state == Job.State.DONE
    # and running it again (a redelivered task) changes nothing; enqueueing again queues nothing
    before = (Path(settings.MEDIA_ROOT) / segment_video.proxy.name).stat().st_mtime_ns
    segment_media_make(segment_video_id=segment_video.pk)
    assert (Path(settings.MEDIA_ROOT) / segment_video.proxy.name).stat().st_mtime_ns == before
    assert segment_videos_enqueue(project=project) == []
    assert SegmentVideo.objects.count() == 1


@pytest.mark.django_db
def test_a_file_ffmpeg_refuses_is_recorded_as_failed_and_can_be_queued_again(
    project, action_class, tmp_path, segment_media_inline
):
    from django.core.files.base import ContentFile

    from backend.segments.tasks import segment_media_make_task
    from tests.factories import VideoFactory

    video = VideoFactory(project=project, query_class=action_class)
    video.file.save("source", ContentFile(b"not a video at all"), save=True)
    segment_video = SegmentVideo.objects.create(video=video, action_class=action_class)
    job = Job.objects.create(kind="segment_media", video=video)
    segment_media_make_task.run(segment_video.pk, job.pk)  # the task body, without a broker
    segment_video.refresh_from_db()
    assert segment_video.media_state == SegmentVideo.MediaState.FAILED
    assert Job.objects.get(pk=job.pk).state == Job.State.FAILED
    assert len(segment_videos_enqueue(project=project)) == 1  # a failed video is retried


@pytest.mark.django_db
def test_a_file_left_by_a_killed_run_is_replaced_not_duplicated(index_video, project, action_class, settings):
    video = video_ingest(project=project, path=index_video, action_class=action_class)
    segment_video = SegmentVideo.objects.create(video=video, action_class=action_class)
    key = f"segments/{segment_video.uid.hex[:2]}/{segment_video.uid.hex}.mp4"
    left = Path(settings.MEDIA_ROOT) / key
    left.parent.mkdir(parents=True)
    left.write_bytes(b"half a file")  # what a run killed while storing leaves behind
    segment_media_make(segment_video_id=segment_video.pk)
    segment_video.refresh_from_db()
    assert segment_video.proxy.name == key and left.stat().st_size > 10_000
    assert sorted(p.name for p in left.parent.iterdir()) == [
        f"{segment_video.uid.hex}.jpg",
        f"{segment_video.uid.hex}.mp4",
    ]
