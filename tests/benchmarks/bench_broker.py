"""Small tasks per second through a real worker, on the embedded (filesystem) broker and on Redis, in one run.

    .venv/bin/python tests/benchmarks/bench_broker.py [--tasks 200] [--latency 20] [--redis redis://127.0.0.1:6379/14]
        [--worker-args=--pool=solo]

For each broker: starts `celery -A backend.config worker --loglevel=info --concurrency=2` as scripts/run.sh does
(a throw-away SQLite database, media and broker folder), waits for it to be ready, then
- latency: publishes one task, waits until it has run, M times in a row (what a hand-off between two pipeline
  stages costs);
- throughput: publishes N tasks at once and times until the last has run.
The task is Celery's built-in `celery.accumulate` (returns its argument: no work), published through the project's
`task_publish`. "Has run" is read from the worker's own log ("Task celery.accumulate[…] succeeded"), so nothing is
added to the worker. Without --redis only the embedded broker is measured.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DONE = re.compile(rb"Task celery\.accumulate\[[^\]]+\] succeeded")


class Worker:
    """A worker process started as scripts/run.sh starts it, and how many tasks its log says have run."""

    def __init__(self, env: dict[str, str], log: Path, concurrency: int, extra: list[str]) -> None:
        self.log_path = log
        self.log = log.open("wb")
        self.proc = subprocess.Popen(
            [
                str(ROOT / ".venv/bin/celery"),
                "-A",
                "backend.config",
                "worker",
                "--loglevel=info",
                f"--concurrency={concurrency}",
                *extra,
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.offset = 0
        self.succeeded = 0
        self.ready = False

    def _read(self) -> None:
        with self.log_path.open("rb") as f:
            f.seek(self.offset)
            text = f.read()
        text = text[: text.rfind(b"\n") + 1]  # a partial last line waits for the next read
        self.offset += len(text)
        self.succeeded += len(DONE.findall(text))
        self.ready = self.ready or b" ready." in text

    def wait_ready(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while not self.ready:
            self._read()
            if self.proc.poll() is not None:
                raise SystemExit(f"worker exited: see {self.log_path}")
            if time.monotonic() > deadline:
                raise SystemExit(f"worker not ready after {timeout} s: see {self.log_path}")
            time.sleep(0.05)

    def wait_succeeded(self, count: int, timeout: float = 900) -> None:
        deadline = time.monotonic() + timeout
        while self.succeeded < count:
            self._read()
            if time.monotonic() > deadline:
                raise SystemExit(f"{count - self.succeeded} task(s) never ran: see {self.log_path}")
            time.sleep(0.002)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=60)
        self.log.close()


def measure(args: argparse.Namespace, broker: str, tmp: Path) -> dict[str, float]:
    """One broker, in its own process (settings are read once per process)."""
    env = {
        **os.environ,
        "DJANGO_DEBUG": "1",  # as scripts/run.sh
        "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
        "ACTIONLOOM_MEDIA_ROOT": str(tmp / "media"),
        "ACTIONLOOM_BROKER_DIR": str(tmp / "broker"),
        "CELERY_BROKER_URL": broker,
        # a Redis db may be shared with other runs: this run's keys and queue are its own
        "CELERY_REDIS_KEY_PREFIX": f"bench-{uuid.uuid4().hex[:8]}:",
        "CELERY_TASK_DEFAULT_QUEUE": f"bench-{uuid.uuid4().hex[:8]}",
        "DJANGO_SETTINGS_MODULE": "backend.config.settings",
    }
    python = str(ROOT / ".venv/bin/python")
    subprocess.run([python, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from backend.config.celery import app
    from backend.core.tasks import task_publish

    task = app.tasks["celery.accumulate"]
    worker = Worker(env, tmp / "worker.log", args.concurrency, args.worker_args.split())
    try:
        worker.wait_ready()
        time.sleep(2)  # let the start-up requeue sweep and the pool settle
        latencies = []
        for _ in range(args.latency):
            start = time.perf_counter()
            assert task_publish(task, 1)
            worker.wait_succeeded(worker.succeeded + 1)
            latencies.append(time.perf_counter() - start)
        tasks = args.tasks
        target = worker.succeeded + tasks
        start = time.perf_counter()
        for i in range(tasks):
            assert task_publish(task, i)
        published = time.perf_counter() - start
        worker.wait_succeeded(target)
        elapsed = time.perf_counter() - start
    finally:
        worker.stop()
    return {
        "tasks": tasks,
        "publish_s": round(published, 3),
        "elapsed_s": round(elapsed, 3),
        "tasks_per_s": round(tasks / elapsed, 1),
        "latency_median_ms": round(1000 * statistics.median(latencies), 1),
        "latency_max_ms": round(1000 * max(latencies), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=200)
    parser.add_argument("--latency", type=int, default=20, help="one-at-a-time round trips")
    parser.add_argument("--concurrency", type=int, default=2, help="as scripts/run.sh")
    parser.add_argument("--worker-args", default="", help="more worker options, e.g. '--pool=solo' (to compare)")
    parser.add_argument("--redis", help="also measure this Redis URL (never db 0 on a shared machine)")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # the child process: measure this broker, print JSON
    args = parser.parse_args()
    if args.one:
        tmp = Path(tempfile.mkdtemp(prefix="bench-broker-"))
        print(json.dumps(measure(args, args.one, tmp)))
        return
    brokers = ["filesystem://"] + ([args.redis] if args.redis else [])
    results = {}
    for broker in brokers:
        out = subprocess.run(
            [sys.executable, __file__, "--one", broker, *sys.argv[1:]], check=True, capture_output=True, text=True
        ).stdout
        results[broker] = json.loads(out.strip().splitlines()[-1])
    print(
        f"{'broker':<32} {'tasks/s':>8} {'N':>5} {'all run (s)':>11} {'publish (s)':>11} {'latency ms (median, max)':>25}"
    )
    for broker, r in results.items():
        print(
            f"{broker:<32} {r['tasks_per_s']:>8} {r['tasks']:>5} {r['elapsed_s']:>11} {r['publish_s']:>11} "
            f"{r['latency_median_ms']:>13}, {r['latency_max_ms']}"
        )
    if len(results) == 2:
        fs, redis = results.values()
        print(
            f"embedded / Redis: throughput {fs['tasks_per_s'] / redis['tasks_per_s']:.2f}x, "
            f"latency {fs['latency_median_ms'] / redis['latency_median_ms']:.2f}x"
        )


if __name__ == "__main__":
    main()
