"""Processes the fault tests start and kill: Celery workers and gunicorn, on the test database and broker.

Each runs in a session of its own (start_new_session), so a SIGKILL to its process group takes its children (pool
processes, ffmpeg) with it, as a crashed container or an OOM kill of the whole group would.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from django.conf import settings as django_settings
from django.db import connection

from backend.core.faults import fault_marker_pids

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    """The test database as a URL another process can open (pytest-django created it under another name)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def free_port() -> int:
    """A loopback port nothing listens on (bound and released at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(
    condition: Callable[[], object],
    *,
    timeout: float,
    what: str,
    proc: subprocess.Popen | None = None,
    log: Path | None = None,
    interval: float = 0.3,
):
    """Poll until `condition()` is truthy; fail with the process log if it does not come or the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"process exited ({proc.returncode}) while waiting for {what}\n{tail(log)}")
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n{tail(log)}")


def tail(log: Path | None, chars: int = 4000) -> str:
    return log.read_text(errors="replace")[-chars:] if log and log.is_file() else ""


class Proc:
    """A child process in its own session, with its output in a log file."""

    def __init__(self, argv: list[str], *, env: dict[str, str], log: Path) -> None:
        self.log = log
        self._fh = open(log, "a")
        self.popen = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=self._fh, stderr=subprocess.STDOUT, start_new_session=True
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill_group(self) -> None:
        """SIGKILL the process and all its children at once."""
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.popen.wait(timeout=30)

    def stop(self) -> None:
        if self.alive():
            try:
                os.killpg(self.popen.pid, signal.SIGTERM)
                self.popen.wait(timeout=20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                self.kill_group()
        self._fh.close()


def app_env(*, media_root: Path, **extra: str) -> dict[str, str]:
    """The environment of a web or worker process on this test run's database, broker, queue and media."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "ACTIONLOOM_MEDIA_ROOT": str(media_root),
        "CELERY_BROKER_URL": django_settings.CELERY_BROKER_URL,
        "ACTIONLOOM_BROKER_DIR": str(django_settings.BROKER_DIR),
        "CELERY_TASK_DEFAULT_QUEUE": django_settings.CELERY_TASK_DEFAULT_QUEUE,
        "DJANGO_SETTINGS_MODULE": "backend.config.settings",
    }
    for key in ("ACTIONLOOM_FAULT_POINT", "ACTIONLOOM_FAULT_MARKER", "ACTIONLOOM_FAULT_DELAY"):
        env.pop(key, None)
    env.update(extra)
    return env


def start_worker(*, media_root: Path, log: Path, **extra: str) -> Proc:
    """A real Celery worker (prefork, one pool process, so one task at a time is in flight)."""
    argv = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "backend.config",
        "worker",
        "--pool=prefork",
        "--concurrency=1",
        "--loglevel=info",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-n",
        f"fault-{uuid.uuid4().hex[:8]}@%h",
    ]
    return Proc(argv, env=app_env(media_root=media_root, **extra), log=log)


def start_gunicorn(*, port: int, media_root: Path, log: Path, **extra: str) -> Proc:
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "backend.config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "--timeout",
        "300",
        "--graceful-timeout",
        "5",
    ]
    return Proc(argv, env=app_env(media_root=media_root, **extra), log=log)


def marker_pid(marker: Path, point: str) -> int | None:
    pids = fault_marker_pids(marker, point)
    return pids[0] if pids else None
