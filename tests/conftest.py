"""Shared fixtures. Rows come from factories; media is generated with ffmpeg from photos scikit-image ships."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.factories import (
    ActionClassFactory,
    ClipFactory,
    GroupFactory,
    ProjectFactory,
    UserFactory,
    VideoFactory,
)


@pytest.fixture(autouse=True)
def _gold_on_every_page_it_is_drawn_for(request, monkeypatch):
    """Pages go without gold at random (clips.services.pages.GOLD_FREE_PAGES), which hides from an annotator where
    they are in their work. A test of something else that needs the gold on its page would fail now and then, so
    the chance is 0 here, except in the tests marked `gold_free_pages` that measure it."""
    if request.node.get_closest_marker("gold_free_pages") is None:
        monkeypatch.setattr("backend.clips.services.pages.GOLD_FREE_PAGES", 0.0)


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    if isinstance(caches["default"], LocMemCache):  # never FLUSHDB a shared Redis
        caches["default"].clear()  # log-in failure counters must not carry from one test to the next
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    media = tmp_path / "media"
    media.mkdir()
    settings.MEDIA_ROOT = media
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(media)}},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def pytest_configure(config):
    from django.conf import settings

    # Settings create no folders (house style); the SQLite test database lives in var/, which a fresh clone lacks.
    Path(settings.VAR_DIR).mkdir(exist_ok=True)
    # The embedded broker's folders are made where the broker is first used (a publish, a worker's start); tests also
    # purge this run's queue before any of that, so they are made here too.
    from backend.core.tasks import ensure_embedded_broker

    ensure_embedded_broker()


def pytest_sessionfinish(session, exitstatus):
    """A skipped test is not a passing test: any skip fails the run (CI must execute every test)."""
    _drop_this_runs_redis_keys()
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if skipped and session.exitstatus == 0:
        reporter.write_line(f"FAILED: {skipped} test(s) were skipped; every test must run.", red=True)
        session.exitstatus = 1


S3_BUCKET = "actionloom-test"


@pytest.fixture
def s3(settings, monkeypatch):
    """Default storage on S3 (django-storages) against moto's in-process S3; yields a boto3 client of the bucket."""
    from moto import mock_aws

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        import boto3

        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=S3_BUCKET)
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    "bucket_name": S3_BUCKET,
                    "querystring_auth": True,
                    "querystring_expire": 600,
                    "file_overwrite": False,
                },
            },
        }
        yield boto3.client("s3", region_name="us-east-1")


@pytest.fixture(scope="session")
def demo_video(tmp_path_factory) -> Path:
    """An 8-s real video (scikit-image's astronaut photo with camera motion), made once per session."""
    from skimage import data

    from workers.media.synthetic import make_motion_video

    path = tmp_path_factory.mktemp("videos") / "astronaut.mp4"
    make_motion_video(image=data.astronaut(), out=path, seconds=8, motion="pan")
    return path


@pytest.fixture
def project(db):
    return ProjectFactory()


@pytest.fixture
def action_class(db):
    return ActionClassFactory()


@pytest.fixture
def annotators(db, project, action_class):
    users = [UserFactory(username=f"ann{i}") for i in range(1, 6)]
    GroupFactory(project=project, members=users, classes=[action_class])
    return users


@pytest.fixture
def admin_user(db):
    return UserFactory(username="boss", is_staff=True, is_superuser=True)


@pytest.fixture
def make_clips(project, action_class):
    """Ready clips (media marked ready, no files) in `videos` videos of `per_video` clips each."""

    def make(videos: int = 2, per_video: int = 3, **clip_kwargs):
        out = []
        for _ in range(videos):
            video = VideoFactory(project=project, query_class=action_class)
            out += [
                ClipFactory(video=video, action_class=action_class, start=2.0 * i, end=2.0 * i + 2, **clip_kwargs)
                for i in range(per_video)
            ]
        return out

    return make


def concat_videos(parts: list[Path], out: Path) -> Path:
    from workers.media.probing import ffmpeg_binary

    listing = out.with_suffix(".txt")
    listing.write_text("".join(f"file '{p}'\n" for p in parts))
    subprocess.run(
        [
            ffmpeg_binary(),
            "-v",
            "error",
            "-y",
            "-f",
            "concat",
            "-safe",
            "0",
            "-i",
            str(listing),
            "-c",
            "copy",
            str(out),
        ],
        check=True,
    )
    return out


@pytest.fixture(scope="session")
def shot_videos(tmp_path_factory) -> dict[str, Path]:
    """person_mix: astronaut (3 s) | coffee (3 s) | camera (3 s) → person, no person, person.
    no_person: coffee | rocket. Each part 3 s at 25 fps, so the cuts are at 3 s and 6 s."""
    from skimage import data

    from workers.media.synthetic import make_motion_video

    tmp = tmp_path_factory.mktemp("mining")
    parts = {}
    for name, motion in [("astronaut", "zoom"), ("coffee", "zoom"), ("camera", "zoom"), ("rocket", "pan")]:
        parts[name] = tmp / f"{name}.mp4"
        make_motion_video(image=getattr(data, name)(), out=parts[name], seconds=3, motion=motion)
    return {
        "person_mix": concat_videos([parts["astronaut"], parts["coffee"], parts["camera"]], tmp / "person_mix.mp4"),
        "no_person": concat_videos([parts["coffee"], parts["rocket"]], tmp / "no_person.mp4"),
    }


def _drop_this_runs_redis_keys() -> None:
    """On Redis, remove the broker keys of this run (tests/settings.py gives them a prefix of their own)."""
    from django.conf import settings

    prefix = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("global_keyprefix")
    if settings.BROKER_KIND != "redis" or not prefix:
        return
    import redis

    try:
        client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
        for key in client.scan_iter(match=f"{prefix}*"):
            client.delete(key)
    except redis.RedisError:
        pass  # leftovers are harmless: a later run uses another prefix
