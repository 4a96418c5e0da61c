"""The embedded broker: Kombu's filesystem transport, with a worker's acknowledgements made without a 2-s wait.

Celery 5 never acknowledges a finished task from the pool: it queues the ack for the consumer's own loop. On a
transport with no event loop, such as this one, that loop (`celery.worker.loops.synloop`) runs what is queued only
between two calls to `drain_events(timeout=2.0)`. Once the prefetch window (concurrency × prefetch multiplier) is
full of finished but unacknowledged tasks, no message may be taken, so the call sleeps out its 2 s and the acks wait
with it: two tasks per two seconds on `make run`'s worker whatever the tasks cost, and a mining stage started ~2 s
after the one before (tests/benchmarks/bench_broker.py, docs/benchmarks.md). Here a wait with the window full ends
after one polling interval, so the loop runs the acks and takes the next message.
"""

from __future__ import annotations

from kombu.transport import filesystem


class Transport(filesystem.Transport):
    """Selected by settings.CELERY_BROKER_TRANSPORT when the broker is the embedded one."""

    def drain_events(self, connection, timeout=None):
        # A wait with room in the window keeps its timeout: a message still ends it at once, and a caller that
        # collects replies until its timeout (`celery inspect`, a worker's start-up `mingle`) is not cut short.
        if timeout and self._prefetch_window_full():
            timeout = min(timeout, self.polling_interval)
        return super().drain_events(connection, timeout=timeout)

    def _prefetch_window_full(self) -> bool:
        """A channel taking tasks (the worker's control channel has no window) has no room for another."""
        return any(
            channel._consumers and channel.qos.prefetch_count and not channel.qos.can_consume()
            for channel in self.channels
        )
