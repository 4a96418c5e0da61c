#!/usr/bin/env bash
# The embedded default: SQLite, Kombu's filesystem broker with a real Celery worker process, local media.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export DJANGO_DEBUG="${DJANGO_DEBUG:-1}"
mkdir -p var/static
$BIN/python manage.py migrate --noinput
$BIN/python manage.py seed_demo
$BIN/celery -A backend.config worker --loglevel=info --concurrency=2 >var/worker.log 2>&1 &
WORKER=$!
trap 'kill "$WORKER" 2>/dev/null || true; wait "$WORKER" 2>/dev/null || true' EXIT INT TERM
echo
echo "Celery worker started (pid $WORKER, log: var/worker.log); it cuts the demo clips in the background."
echo "ActionLoom: http://127.0.0.1:8000  (Ctrl-C stops the web server and the worker)"
echo
$BIN/python manage.py runserver 127.0.0.1:8000 --noreload
