"""Draws under SKIP LOCKED: the one retry rule of every work queue.

A draw locks the rows it hands out (`SELECT … FOR UPDATE SKIP LOCKED`), so annotators asking at once each get
different work instead of queueing on one row. Near the end of a queue that has a cost: a draw can find every row
left locked, for a few milliseconds, by other annotators' draws, and would answer "nothing waiting" while work still
waits. `draw_retrying` draws again after a short backoff while the queue still holds work for this annotator.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

DRAW_ATTEMPTS = 6  # backoff 0.05 … 0.8 s, about 1.5 s in all before "empty" when work exists but is all locked
DRAW_BACKOFF_SECONDS = 0.05


def draw_retrying(draw: Callable[[], T | None], *, waiting: Callable[[], bool]) -> T | None:
    """`draw()` (one transaction; None when it found nothing) until it gives something, or `waiting()` says the
    queue holds nothing for this annotator, or the attempts run out. None means the queue is empty for them."""
    for attempt in range(DRAW_ATTEMPTS):
        got = draw()
        if got is not None:
            return got
        if not waiting():
            break
        time.sleep(DRAW_BACKOFF_SECONDS * 2**attempt)
    return None
