"""The same ingest and clip cutting on S3 (django-storages), against moto's in-process S3 (the `s3` fixture,
tests/conftest.py); media URLs are signed."""

import pytest

from backend.catalog.services import video_ingest
from backend.clips.services import clip_media_cut
from tests.conftest import S3_BUCKET

pytestmark = pytest.mark.django_db


def test_videos_and_clips_live_in_s3_behind_signed_urls(s3, demo_video, project, action_class):
    video = video_ingest(project=project, path=demo_video, action_class=action_class)
    clip = video.clips.first()
    clip_media_cut(clip_id=clip.pk)  # ffmpeg reads a local copy of the S3 object
    clip.refresh_from_db()
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=S3_BUCKET)["Contents"]}
    assert {video.file.name, clip.media.name, clip.poster.name} <= keys
    head = s3.head_object(Bucket=S3_BUCKET, Key=clip.media.name)
    assert head["ContentLength"] > 1000
    url = clip.media.url
    assert "Signature=" in url and "Expires=" in url  # a signed, expiring URL, never a public one
