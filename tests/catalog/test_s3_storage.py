"""The same ingest and clip cutting on S3 (django-storages), against moto's in-process S3; media URLs are signed."""

import pytest

from backend.catalog.services import video_ingest
from backend.clips.services import clip_media_cut

pytestmark = pytest.mark.django_db


@pytest.fixture
def s3(settings, monkeypatch):
    from moto import mock_aws

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        import boto3

        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="actionloom-test")
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    "bucket_name": "actionloom-test",
                    "querystring_auth": True,
                    "querystring_expire": 600,
                    "file_overwrite": False,
                },
            },
        }
        yield boto3.client("s3", region_name="us-east-1")


def test_videos_and_clips_live_in_s3_behind_signed_urls(s3, demo_video, project, action_class):
    video = video_ingest(project=project, path=demo_video, action_class=action_class)
    clip = video.clips.first()
    clip_media_cut(clip_id=clip.pk)  # ffmpeg reads a local copy of the S3 object
    clip.refresh_from_db()
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="actionloom-test")["Contents"]}
    assert {video.file.name, clip.media.name, clip.poster.name} <= keys
    head = s3.head_object(Bucket="actionloom-test", Key=clip.media.name)
    assert head["ContentLength"] > 1000
    url = clip.media.url
    assert "Signature=" in url and "Expires=" in url  # a signed, expiring URL, never a public one
