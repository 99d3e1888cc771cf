#!/bin/bash
# Cache-bypass figure (issue 12): requests/s of /ohjelma/ and of /ohjelma/?x=<unique> (a new
# x on every request), gunicorn with 2 workers and the page cache on. Heavy: run it as
#   flock /work/heavy.lock scripts/cache_bypass.sh [label]
# with DATABASE_URL pointing at a database that has the demo data (manage.py load_demo).
set -e
cd "$(dirname "$0")/.."
PORT=${PORT:-8141}
LUA=$(mktemp --suffix=.lua)
cat > "$LUA" <<'LUA'
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", "/ohjelma/?x=" .. counter .. "-" .. math.random(1, 1000000000))
end
LUA
export DEBUG=False SECRET_KEY=${SECRET_KEY:-bench-only} ALLOWED_HOSTS=127.0.0.1 \
  SECURE_SSL_REDIRECT=False LOG_LEVEL=WARNING PAGE_CACHE_SECONDS=300
.venv/bin/python manage.py collectstatic --noinput -v0
.venv/bin/gunicorn kumppanuus.wsgi -w 2 -b 127.0.0.1:$PORT --log-level warning & PID=$!
trap 'kill $PID; rm -f "$LUA"' EXIT
for _ in $(seq 50); do curl -fs http://127.0.0.1:$PORT/healthz >/dev/null && break; sleep 0.3; done
curl -fs http://127.0.0.1:$PORT/ohjelma/ >/dev/null
echo "== ${1:-run}: /ohjelma/ (same URL)"
wrk -t2 -c16 -d10s http://127.0.0.1:$PORT/ohjelma/ | grep -E "Requests/sec|Non-2xx|Latency"
echo "== ${1:-run}: /ohjelma/?x=<unique>"
wrk -t2 -c16 -d10s -s "$LUA" http://127.0.0.1:$PORT/ | grep -E "Requests/sec|Non-2xx|Latency"
