"""Media answers HTTP Range requests (browsers cannot seek in an MP4 without them); behind S3 the URL is signed."""

from pathlib import Path

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

KEY = "segments/ab/ab0123456789abcdef0123456789abcd.mp4"


@pytest.fixture
def media_file(settings) -> bytes:
    body = bytes(range(256)) * 1000 + b"tail"  # 256 004 bytes, every offset distinguishable
    path = Path(settings.MEDIA_ROOT) / KEY
    path.parent.mkdir(parents=True)
    path.write_bytes(body)
    return body


@pytest.fixture
def client_in():
    from django.test import Client

    logged_in = Client()
    logged_in.force_login(UserFactory(username="viewer"))
    return logged_in


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_without_range_the_whole_file_comes_with_accept_ranges(client_in, media_file):
    res = client_in.get(f"/media/{KEY}")
    assert res.status_code == 200 and body_of(res) == media_file
    assert res["Accept-Ranges"] == "bytes" and res["Content-Type"] == "video/mp4"


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-0", 0, 0),
        ("bytes=0-99", 0, 99),
        ("bytes=1000-70000", 1000, 70000),  # spans the 64 KiB read chunk
        ("bytes=255999-", 255999, 256003),  # open-ended: to the end
        ("bytes=250000-999999999", 250000, 256003),  # past the end: clamped to the last byte
        ("bytes=-4", 256000, 256003),  # suffix: the last 4 bytes
        ("bytes=-999999", 0, 256003),  # a suffix longer than the file is the whole file
    ],
)
def test_a_satisfiable_range_gets_206_with_exactly_those_bytes(client_in, media_file, header, start, end):
    res = client_in.get(f"/media/{KEY}", HTTP_RANGE=header)
    assert res.status_code == 206
    assert body_of(res) == media_file[start : end + 1]
    assert res["Content-Range"] == f"bytes {start}-{end}/{len(media_file)}"
    assert res["Content-Length"] == str(end - start + 1)
    assert res["Accept-Ranges"] == "bytes"


@pytest.mark.parametrize(
    "header", ["bytes=256004-", "bytes=300000-300010", "bytes=-0", "bytes=10-5", "bytes=-", "items=0-10", "bytes=abc"]
)
def test_an_unsatisfiable_or_malformed_range_gets_416_with_the_size(client_in, media_file, header):
    res = client_in.get(f"/media/{KEY}", HTTP_RANGE=header)
    assert res.status_code == 416
    assert res["Content-Range"] == f"bytes */{len(media_file)}"


def test_media_is_for_logged_in_users_and_paths_cannot_escape(client, client_in, media_file):
    anonymous = client.get(f"/media/{KEY}", HTTP_RANGE="bytes=0-9")
    assert anonymous.status_code == 302
    assert client_in.get("/media/segments/../../etc/passwd").status_code == 404
    assert client_in.get("/media/segments/ab/missing.mp4").status_code == 404


def test_a_browser_seek_sequence_on_a_real_proxy_reassembles_the_file(client_in, settings, index_video):
    """Chrome asks for `bytes=0-`, then (moov at the front, +faststart) ranges further in: the pieces are the file."""
    from workers.media.proxy import make_proxy

    out = Path(settings.MEDIA_ROOT) / "segments" / "cd"
    out.mkdir(parents=True)
    make_proxy(source=index_video, out_video=out / "proxy.mp4", out_sprite=out / "sprite.jpg")
    data = (out / "proxy.mp4").read_bytes()
    cuts = [0, 1, 4096, len(data) // 3, len(data) // 2, len(data) - 1, len(data)]
    pieces = [
        body_of(client_in.get("/media/segments/cd/proxy.mp4", HTTP_RANGE=f"bytes={a}-{b - 1}"))
        for a, b in zip(cuts, cuts[1:], strict=False)
    ]
    assert b"".join(pieces) == data


def test_behind_s3_the_task_payload_carries_signed_urls(settings, rf):
    """With ACTIONLOOM_STORAGE=s3 the storage signs every URL (querystring auth); the task payload passes it on."""
    from backend.segments.api import task_payload
    from backend.segments.models import SegmentAnnotation
    from tests.segments.factories import SegmentVideoFactory

    segment_video = SegmentVideoFactory()
    task = SegmentAnnotation.objects.create(segment_video=segment_video, annotator=UserFactory(username="a"))
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "actionloom-test",
                "access_key": "AKIAEXAMPLE",
                "secret_key": "secret",
                "region_name": "eu-west-1",
                "querystring_auth": True,
                "querystring_expire": 3600,
            },
        },
    }
    payload = task_payload(SegmentAnnotation.objects.get(pk=task.pk), rf.get("/"))
    for url in (payload["video_url"], payload["sprite_url"]):
        # a presigned URL (SigV2 or SigV4, as boto3 chooses for the region): key, signature and expiry in the query
        assert url.startswith("https://actionloom-test.s3") and "Signature=" in url and "Expires=" in url
        assert segment_video.uid.hex in url
