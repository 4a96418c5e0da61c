#!/usr/bin/env bash
# The embedded default: SQLite, Kombu's filesystem broker with a real Celery worker process, local media.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${ACTIONLOOM_BIN:-.venv/bin}"
LOG_DIR="${ACTIONLOOM_LOG_DIR:-var}"  # where the worker log goes (a test runs this script elsewhere)
export DJANGO_DEBUG="${DJANGO_DEBUG:-1}"
mkdir -p var/static "$LOG_DIR"
# the last run's worker log is kept as worker.log.1 (one previous run: enough to read why it stopped)
if [ -s "$LOG_DIR/worker.log" ]; then mv "$LOG_DIR/worker.log" "$LOG_DIR/worker.log.1"; fi
$BIN/python manage.py migrate --noinput
$BIN/python manage.py seed_demo
$BIN/celery -A backend.config worker --loglevel=info --concurrency=2 >"$LOG_DIR/worker.log" 2>&1 &
WORKER=$!
trap 'kill "$WORKER" 2>/dev/null || true; wait "$WORKER" 2>/dev/null || true' EXIT INT TERM
echo
echo "Celery worker started (pid $WORKER, log: $LOG_DIR/worker.log, the previous run's: $LOG_DIR/worker.log.1); it cuts the demo clips in the background."
echo "ActionLoom: http://127.0.0.1:8000  (Ctrl-C stops the web server and the worker)"
echo
$BIN/python manage.py runserver 127.0.0.1:8000 --noreload
