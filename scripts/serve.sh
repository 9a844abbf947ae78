#!/usr/bin/env bash
# Serve hocso with gunicorn, the background-task worker and the exam auto-submitter beside it;
# stop them together.
set -euo pipefail
cd "$(dirname "$0")/.."
port=${HOCSO_PORT:-8000}
.venv/bin/hocso db_worker --interval 1 --no-reload &
worker=$!
# Online exams: attempts whose time is over are submitted and graded within half a minute.
.venv/bin/hocso exams submit-expired --every 30 >/dev/null &
expirer=$!
trap 'kill $worker $expirer 2>/dev/null || true' EXIT INT TERM
echo "hocso: serving on http://127.0.0.1:$port (Ctrl-C stops)"
.venv/bin/gunicorn hocso.wsgi:application --bind "127.0.0.1:$port" \
  --workers "${HOCSO_WORKERS:-2}" --threads 4 --timeout 120 --access-logfile - 
