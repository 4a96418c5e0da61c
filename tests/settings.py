"""Settings for the test run: the application's settings, with a database file and a broker folder of this run's
own (and, on Redis, a queue and key prefix of its own), so a `make run` worker or another test run on the same machine never
shares them; and no submit floor, since most tests submit at machine speed (tests/security/test_submit_floor.py and
tests/browser/test_submit_guard.py set the real floors), and a secret key of its own. Nothing else differs."""

import os
import secrets
import tempfile

# A path only: the folders are made where the broker is first used (backend/core/tasks.py), not at import.
os.environ.setdefault(
    "ACTIONLOOM_BROKER_DIR", os.path.join(tempfile.gettempdir(), f"actionloom-test-broker-{os.getpid()}")
)
# On a shared Redis, a queue and keys of this run's own: another run's worker never takes (and drops) our messages,
# nor redelivers the ones our workers hold.
os.environ.setdefault("CELERY_TASK_DEFAULT_QUEUE", f"actionloom-test-{os.getpid()}")
os.environ.setdefault("CELERY_REDIS_KEY_PREFIX", f"actionloom-test-{os.getpid()}:")
for floor in ("PAGE_SECONDS", "SECONDS_PER_CLIP", "VIDEO_SECONDS", "VIDEO_FRACTION"):
    os.environ.setdefault(f"ACTIONLOOM_SUBMIT_FLOOR_{floor}", "0")
# DEBUG is off in tests, and settings refuse the committed development key then: a key of this run's own (the
# workers and web processes the fault tests start inherit it).
os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))

from backend.config.settings import *  # noqa: E402,F403
from backend.config.settings import DATABASE_VENDOR, DATABASES, VAR_DIR  # noqa: E402

if DATABASE_VENDOR == "sqlite":
    # A file, not memory: the real Celery worker of the integration test opens it too.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
else:
    # One PostgreSQL test database per run: two runs at once would otherwise drop each other's `test_<name>`.
    DATABASES["default"]["TEST"] = {"NAME": f"test_actionloom_{os.getpid()}"}
