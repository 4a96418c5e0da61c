"""The embedded broker (core/broker.py): a worker whose prefetch window is full gets control back after one polling
interval, so the acknowledgements Celery queued for its loop run and the next task is taken; other waits keep their
timeout. Time here is a fake clock: the rule is about when the wait ends, not about this machine's speed."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from kombu import Connection, Exchange, Queue

from backend.core.broker import Transport

ROOT = Path(__file__).resolve().parents[2]
POLL = 0.05
WORKER_WAIT = 2.0  # what celery.worker.loops.synloop passes to drain_events


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr("kombu.transport.virtual.base.monotonic", fake.monotonic)
    monkeypatch.setattr("kombu.transport.virtual.base.sleep", fake.sleep)
    return fake


@pytest.fixture
def connection(tmp_path):
    folders = {key: tmp_path / key for key in ("out", "processed", "control")}
    for folder in folders.values():
        folder.mkdir()
    options = {
        "data_folder_in": str(folders["out"]),
        "data_folder_out": str(folders["out"]),
        "processed_folder": str(folders["processed"]),
        "control_folder": str(folders["control"]),
        "polling_interval": POLL,
    }
    with Connection("filesystem://", transport=Transport, transport_options=options) as conn:
        yield conn


def consume(connection, prefetch_count: int):
    """A queue with two messages, and a consumer that holds (never acknowledges) what it receives."""
    # a name of its own: Kombu keeps the filesystem transport's bindings for the whole process
    name = f"tasks-{uuid.uuid4().hex}"
    queue = Queue(name, Exchange(name), routing_key=name)
    with connection.Producer() as producer:
        for n in range(2):
            producer.publish({"n": n}, exchange=queue.exchange, routing_key=name, declare=[queue])
    held = []
    consumer = connection.Consumer([queue], callbacks=[lambda body, message: held.append(message)])
    consumer.qos(prefetch_count=prefetch_count)
    consumer.consume()
    return held


def test_a_full_window_hands_control_back_after_one_polling_interval(connection, clock):
    # given a worker holding as many unacknowledged tasks as its window allows, with another task waiting
    held = consume(connection, prefetch_count=1)
    connection.drain_events(timeout=WORKER_WAIT)
    assert len(held) == 1
    # when the worker's loop waits for a message
    start = clock.now
    with pytest.raises(socket.timeout):
        connection.drain_events(timeout=WORKER_WAIT)
    # then it gets control back after one polling interval (to run its queued acks), not after its whole wait
    assert clock.now - start == pytest.approx(POLL)
    # and once the ack has run, the waiting task is taken at once
    held[0].ack()
    start = clock.now
    connection.drain_events(timeout=WORKER_WAIT)
    assert len(held) == 2 and clock.now == start


def test_a_wait_with_room_in_the_window_keeps_its_timeout(connection, clock):
    # given a consumer with room for more and nothing left to receive (a worker idle, or a client collecting replies)
    held = consume(connection, prefetch_count=3)
    connection.drain_events(timeout=WORKER_WAIT)
    connection.drain_events(timeout=WORKER_WAIT)
    assert len(held) == 2
    # when it waits, then it waits the whole timeout it asked for
    start = clock.now
    with pytest.raises(socket.timeout):
        connection.drain_events(timeout=WORKER_WAIT)
    assert clock.now - start == pytest.approx(WORKER_WAIT)


def test_the_embedded_default_worker_uses_this_transport(tmp_path):
    # given the environment of `make run` (no broker URL: the embedded broker)
    env = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(DJANGO_DEBUG="1", ACTIONLOOM_BROKER_DIR=str(tmp_path / "broker"))
    code = (
        "from backend.config.celery import app; from backend.core.broker import Transport; "
        "print(isinstance(app.connection_for_read().transport, Transport))"
    )
    # when the Celery app makes the connection a worker consumes from
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    # then it is the embedded broker's transport
    assert out.stdout.strip().splitlines()[-1] == "True", out.stderr
