"""A real Celery worker process for integration tests, on the broker and database of this test run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from tests.faults.harness import database_url

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker(settings):
    from backend.config.celery import app

    app.control.purge()  # messages left by earlier runs name rows that no longer exist
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "ACTIONLOOM_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "CELERY_BROKER_URL": django_settings.CELERY_BROKER_URL,
        "ACTIONLOOM_BROKER_DIR": str(django_settings.BROKER_DIR),
    }
    log = open(Path(settings.MEDIA_ROOT).parent / "worker.log", "w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "backend.config",
            "worker",
            "--pool=prefork",
            "--concurrency=2",
            "--loglevel=info",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()
