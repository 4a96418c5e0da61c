"""Fault points: named places where a fault test can hold a process so it can be killed there.

`fault_point("submit.before_commit")` does nothing unless the environment names that point in
ACTIONLOOM_FAULT_POINT. When it does, the process notes the point and its pid in ACTIONLOOM_FAULT_MARKER (a
file, optional) and sleeps ACTIONLOOM_FAULT_DELAY seconds (default 60), so the test can see that it got there and
SIGKILL it mid-work. With a marker file, a point holds only the first process that reaches it (the marker already
naming the point means "done"): a redelivered task or a retried request then runs straight through.

Only tests set these variables (tests/faults/). The cost in production is one dictionary lookup per call.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path


def fault_point(name: str) -> None:
    if os.environ.get("ACTIONLOOM_FAULT_POINT") != name:
        return
    marker = os.environ.get("ACTIONLOOM_FAULT_MARKER")
    if marker:
        with open(marker, "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)  # two worker processes may reach the point at once: one holds
            fh.seek(0)
            if any(line.split(" ", 1)[0] == name for line in fh.read().splitlines()):
                return
            fh.write(f"{name} {os.getpid()}\n")
            fh.flush()
    time.sleep(float(os.environ.get("ACTIONLOOM_FAULT_DELAY", "60")))


def fault_marker_pids(marker: str | os.PathLike[str], name: str) -> list[int]:
    """The pids a marker file records as having reached `name` (for tests)."""
    path = Path(marker)
    if not path.is_file():
        return []
    return [
        int(pid)
        for point, _, pid in (line.partition(" ") for line in path.read_text().splitlines())
        if point == name and pid
    ]
