#!/usr/bin/env bash
# VAKwerk benchmark, one command:  bash bench/run.sh
#
# Starts a throwaway PostgreSQL + Redis (scripts/with-test-services), migrates, generates
# the dataset, measures, runs the 50-consultant load test and writes bench/RESULTS.md.
#
#   BENCH_DATASET=large|demo   large (default): seed_demo --scale large; demo: seed_demo
#   BENCH_FACTOR=0.1           shrinks the large dataset (passed as --factor; default 1)
#   BENCH_SEED=1               generator seed
#   BENCH_REPEATS=10           runs per page (median, p95)
#   BENCH_EXPORT_REPEATS=3     runs of the research export and of COPY
#   BENCH_USERS=50             concurrent consultants; BENCH_LOAD_SECONDS=60 their time
#   BENCH_WORKERS=3            gunicorn workers (the compose default)
#   BENCH_ONLY="pages export pdf load"   a subset of the measurements
#   BENCH_REUSE=1              keep the data already in DATABASE_URL (no migrate, no seed)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

if [ "${1:-}" != "--inner" ]; then
  # Outside the services: the virtualenv (as `make venv`) plus the bench-only packages.
  make --no-print-directory venv
  .venv/bin/pip install --quiet -r bench/requirements.txt
  exec scripts/with-test-services bash bench/run.sh --inner
fi

PY=$ROOT/.venv/bin/python
OUT=${BENCH_OUT:-$ROOT/bench/out}
export BENCH_OUT=$OUT
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-vakwerk.settings.dev}
export DJANGO_DEBUG=false
export DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost,testserver
export BENCH_DATASET=${BENCH_DATASET:-large}
export BENCH_FACTOR=${BENCH_FACTOR:-1}
ONLY=${BENCH_ONLY:-pages export pdf load}
rm -rf "$OUT" && mkdir -p "$OUT"
log() { echo "[bench $(date +%H:%M:%S)] $*"; }

# The throwaway cluster has no 'vakwerk' database yet.
"$PY" - <<'PY'
import os, psycopg
url = os.environ["DATABASE_URL"]
base, name = url.rsplit("/", 1)
with psycopg.connect(base + "/postgres", autocommit=True) as conn:
    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
        conn.execute(f'CREATE DATABASE "{name}"')
PY

start=$(date +%s)
if [ -n "${BENCH_REUSE:-}" ]; then
  log "reusing the data in the database"
else
log "migrate"
"$PY" manage.py migrate --noinput -v 0
if [ "$BENCH_DATASET" = demo ]; then
  log "seed_demo (demo size)"
  "$PY" manage.py seed_demo
else
  log "seed_demo --scale large --factor ${BENCH_FACTOR:-1} --seed ${BENCH_SEED:-1}"
  "$PY" manage.py seed_demo --scale large --factor "${BENCH_FACTOR:-1}" --seed "${BENCH_SEED:-1}"
fi
fi
echo "$(( $(date +%s) - start ))" > "$OUT/seed_seconds"
log "seeded in $(cat "$OUT/seed_seconds") s; VACUUM ANALYZE"
"$PY" - <<'PY'
import os, psycopg
with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
    conn.execute("VACUUM ANALYZE")
PY

for step in pages export pdf; do
  case " $ONLY " in *" $step "*) log "$step"; "$PY" bench/measure.py "$step" ;; esac
done
case " $ONLY " in *" pages "*) "$PY" bench/measure.py explain > "$OUT/explain.txt" ;; esac

if [ -z "${ONLY##*load*}" ]; then
  "$PY" bench/measure.py load-users > /dev/null
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  log "gunicorn on 127.0.0.1:$port (${BENCH_WORKERS:-3} workers)"
  # As in production: persistent database connections.
  DATABASE_CONN_MAX_AGE=60 \
  "$ROOT/.venv/bin/gunicorn" vakwerk.wsgi:application --bind "127.0.0.1:$port" \
    --workers "${BENCH_WORKERS:-3}" --error-logfile "$OUT/gunicorn.log" --log-level warning &
  gunicorn_pid=$!
  trap 'kill "$gunicorn_pid" 2>/dev/null || true; wait "$gunicorn_pid" 2>/dev/null || true' EXIT
  for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    sleep 0.2
  done
  users=${BENCH_USERS:-50}
  seconds=${BENCH_LOAD_SECONDS:-60}
  warmup=${BENCH_WARMUP:-15}
  export BENCH_WARMUP=$warmup
  export BENCH_USERS=$users
  log "locust: $users consultants log in, then browse for about ${seconds}s"
  printf '{"users": %s, "seconds": %s, "warmup": %s, "workers": %s}\n' "$users" "$seconds" "$warmup" "${BENCH_WORKERS:-3}" > "$OUT/load.json"
  # Who uses the two cores halfway through the load (a snapshot, for the findings).
  ( sleep $((seconds / 2 + warmup + 5)); top -b -n 1 -w 200 | head -n 25 > "$OUT/top_during_load.txt" ) &
  BENCH_USERS_FILE="$OUT/load_users.json" "$ROOT/.venv/bin/locust" -f bench/locustfile.py \
    --headless --host "http://127.0.0.1:$port" -u "$users" -r 25 -t "$((seconds + warmup + 10))s" \
    --csv "$OUT/locust" --only-summary --loglevel WARNING --stop-timeout 10 \
    > "$OUT/locust.log" 2>&1 || true   # locust exits 1 when a request failed; the table says so
  tail -n 25 "$OUT/locust.log"
  kill "$gunicorn_pid" 2>/dev/null || true
  wait "$gunicorn_pid" 2>/dev/null || true
  trap - EXIT
fi

log "report"
"$PY" bench/measure.py report > /dev/null
log "wrote bench/RESULTS.md (raw data in $OUT)"
cat bench/RESULTS.md
