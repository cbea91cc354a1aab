#!/usr/bin/env bash
# VAKwerk benchmark, one command:  bash bench/run.sh
#
# Starts a throwaway PostgreSQL + Redis (scripts/with-test-services), migrates, generates
# the dataset, measures, runs the 50-consultant load test and writes bench/RESULTS.md.
#
#   BENCH_DATASET=large|national|demo   large (default): seed_demo --scale large; demo: seed_demo
#   BENCH_FACTOR=0.1           shrinks the large dataset (passed as --factor; default 1)
#   BENCH_SEED=1               generator seed
#   BENCH_REPEATS=10           runs per page (median, p95)
#   BENCH_EXPORT_REPEATS=3     runs of the research export and of COPY
#   BENCH_USERS=50             concurrent consultants; BENCH_LOAD_SECONDS=60 their time
#   BENCH_WORKERS=4            gunicorn workers of the single node (phase 1)
#   BENCH_NODES=2              app nodes behind HAProxy in phase 2 (1: no second phase)
#   BENCH_NODE_WORKERS         gunicorn workers per node in phase 2 (BENCH_WORKERS / BENCH_NODES)
#   BENCH_DATASET=national     seed_demo --scale national (40 municipalities, 400,000 participants)
#   BENCH_REPLICA=1            a streaming replica (WITH_REPLICA=1); export and lag measured on it
#   BENCH_POOLER=1             PgBouncer (WITH_PGBOUNCER=1); gunicorn and Celery connect through it
#   BENCH_ONLY="pages export pdf load"   a subset of the measurements
#   BENCH_REUSE=1              keep the data already in DATABASE_URL (no migrate, no seed)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

if [ "${1:-}" != "--inner" ]; then
  # Outside the services: the virtualenv (as `make venv`) plus the bench-only packages.
  make --no-print-directory venv
  .venv/bin/pip install --quiet -r bench/requirements.txt
  # A streaming standby and PgBouncer come from with-test-services (README, "Connection
  # pooling" and "Read replica"); the inner part checks that they did.
  if [ -n "${BENCH_REPLICA:-}" ]; then export WITH_REPLICA=1; fi
  if [ -n "${BENCH_POOLER:-}" ]; then export WITH_PGBOUNCER=1; fi
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
if [ -n "${BENCH_REPLICA:-}" ] && [ -z "${DATABASE_REPLICA_URL:-}" ]; then
  echo "BENCH_REPLICA=1, but with-test-services exported no DATABASE_REPLICA_URL (WITH_REPLICA=1 not supported here)" >&2
  exit 1
fi
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
elif [ "$BENCH_DATASET" = national ]; then
  log "seed_demo --scale national --factor ${BENCH_FACTOR:-1} --seed ${BENCH_SEED:-1}"
  "$PY" manage.py seed_demo --scale national --factor "${BENCH_FACTOR:-1}" --seed "${BENCH_SEED:-1}"
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

# The pages read the net effect's stored comparison pools, which the job computes after a
# snapshot import; the seed loads the register without one, so the job runs here.
case " $ONLY " in *" pages "*) log "pools"; "$PY" bench/measure.py pools ;; esac
for step in pages export pdf; do
  case " $ONLY " in *" $step "*) log "$step"; "$PY" bench/measure.py "$step" ;; esac
done
case " $ONLY " in *" pages "*) "$PY" bench/measure.py explain > "$OUT/explain.txt" ;; esac

# --- The 50-consultant load: one node, then two nodes behind HAProxy ----------------------
# The same total of gunicorn workers in both phases (default 4 = 1 × 4, then 2 × 2), so
# that the second phase measures what splitting over nodes costs, not extra capacity.
NODES=${BENCH_NODES:-2}
WORKERS=${BENCH_WORKERS:-4}
NODE_WORKERS=${BENCH_NODE_WORKERS:-$(( WORKERS / NODES > 0 ? WORKERS / NODES : 1 ))}
users=${BENCH_USERS:-50}
seconds=${BENCH_LOAD_SECONDS:-60}
warmup=${BENCH_WARMUP:-15}
export BENCH_WARMUP=$warmup BENCH_USERS=$users
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# Every process this part starts; stopped (by id) at the end of each phase or on exit.
pids=()
stop_started() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}
trap stop_started EXIT

# The app's processes (gunicorn, Celery) connect as production does: persistent connections,
# through PgBouncer when BENCH_POOLER=1. The bench's own measurements above stay direct.
app_env=(DATABASE_CONN_MAX_AGE=60)
if [ -n "${BENCH_POOLER:-}" ]; then
  : "${DATABASE_POOLED_URL:?BENCH_POOLER=1, but with-test-services exported no DATABASE_POOLED_URL (WITH_PGBOUNCER=1 not supported here)}"
  app_env=(DATABASE_URL="$DATABASE_POOLED_URL" DATABASE_TRANSACTION_POOLING=true DATABASE_CONN_MAX_AGE=60)
  # PgBouncer refuses start-up options, so the app's `-c jit=off` goes to the role instead
  # (README, "Connection pooling"), as production does.
  "$PY" -c 'import os, psycopg; psycopg.connect(os.environ["DATABASE_URL"], autocommit=True).execute("ALTER ROLE CURRENT_USER SET jit = off")'
fi
# Reports and exports written by a worker of one node are downloaded through the other:
# one folder for all nodes (in production a shared volume).
export PRIVATE_MEDIA_ROOT=$OUT/private
mkdir -p "$PRIVATE_MEDIA_ROOT"

start_node() {  # name port workers
  env "${app_env[@]}" VAKWERK_NODE_NAME="$1" \
    "$ROOT/.venv/bin/gunicorn" vakwerk.wsgi:application --bind "127.0.0.1:$2" \
    --workers "$3" --error-logfile "$OUT/gunicorn-$1.log" --log-level warning &
  pids+=($!)
  env "${app_env[@]}" VAKWERK_NODE_NAME="$1" \
    "$ROOT/.venv/bin/celery" -A vakwerk worker --concurrency 1 -n "$1@%h" --loglevel WARNING \
    > "$OUT/celery-$1.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 150); do
    curl -fs "http://127.0.0.1:$2/healthz" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "node $1 did not answer /healthz" >&2
  return 1
}

run_locust() {  # phase-folder host
  local dir=$1 host=$2
  mkdir -p "$dir"
  log "locust against $host: $users consultants log in, then browse for about ${seconds}s"
  # Who uses the two cores halfway through the load (a snapshot, for the findings).
  ( sleep $((seconds / 2 + warmup + 5)); top -b -n 1 -w 200 | head -n 25 > "$dir/top_during_load.txt" ) &
  local top_pid=$!
  # Replica lag, sampled every second for the length of the load (only with a replica).
  local lag_pid=""
  if [ -n "${DATABASE_REPLICA_URL:-}" ]; then
    BENCH_OUT="$dir" "$PY" bench/measure.py replica-lag &
    lag_pid=$!
  fi
  BENCH_OUT="$dir" BENCH_USERS_FILE="$OUT/load_users.json" "$ROOT/.venv/bin/locust" -f bench/locustfile.py \
    --headless --host "$host" -u "$users" -r 25 -t "$((seconds + warmup + 10))s" \
    --csv "$dir/locust" --only-summary --loglevel WARNING --stop-timeout 10 \
    > "$dir/locust.log" 2>&1 || true   # locust exits 1 when a request failed; the table says so
  tail -n 8 "$dir/locust.log"
  [ -n "$lag_pid" ] && { kill "$lag_pid" 2>/dev/null || true; wait "$lag_pid" 2>/dev/null || true; }
  wait "$top_pid" 2>/dev/null || true
}

if [ -z "${ONLY##*load*}" ]; then
  "$PY" bench/measure.py load-users > /dev/null
  printf '{"users": %s, "seconds": %s, "warmup": %s, "workers": %s, "nodes": %s, "node_workers": %s, "pooler": %s, "replica": %s}\n' \
    "$users" "$seconds" "$warmup" "$WORKERS" "$NODES" "$NODE_WORKERS" \
    "$([ -n "${BENCH_POOLER:-}" ] && echo true || echo false)" \
    "$([ -n "${DATABASE_REPLICA_URL:-}" ] && echo true || echo false)" > "$OUT/load.json"

  # Phase 1: one node.
  port=$(free_port)
  log "phase 1: one node, gunicorn on 127.0.0.1:$port ($WORKERS workers), one Celery worker"
  start_node node1 "$port" "$WORKERS"
  run_locust "$OUT" "http://127.0.0.1:$port"
  stop_started

  # Phase 2: BENCH_NODES nodes behind HAProxy, round robin, health-checked on /healthz.
  if [ "$NODES" -ge 2 ]; then
    HAPROXY=${HAPROXY:-$(command -v haproxy || echo /usr/sbin/haproxy)}
    lb_port=$(free_port)
    servers=()
    for n in $(seq "$NODES"); do
      p=$(free_port)
      log "phase 2: node$n, gunicorn on 127.0.0.1:$p ($NODE_WORKERS workers), one Celery worker"
      start_node "node$n" "$p" "$NODE_WORKERS"
      servers+=("node$n=127.0.0.1:$p")
    done
    # The same configuration as the two-node test's (tests/vakwerk/test_two_nodes.py).
    "$PY" bench/haproxy.py --port "$lb_port" --socket "$OUT/haproxy.sock" \
      --maxconn "$NODE_WORKERS" "${servers[@]}" \
      > "$OUT/haproxy.cfg"
    "$HAPROXY" -c -q -f "$OUT/haproxy.cfg"
    "$HAPROXY" -W -db -f "$OUT/haproxy.cfg" > "$OUT/haproxy.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do
      curl -fs "http://127.0.0.1:$lb_port/healthz" >/dev/null 2>&1 && break
      sleep 0.2
    done
    run_locust "$OUT/nodes" "http://127.0.0.1:$lb_port"
    # Requests per node, as HAProxy counted them.
    BENCH_OUT="$OUT/nodes" "$PY" bench/measure.py haproxy-stats "$OUT/haproxy.sock" > /dev/null
    stop_started
  fi
  trap - EXIT
fi

log "report"
"$PY" bench/measure.py report > /dev/null
log "wrote bench/RESULTS.md (raw data in $OUT)"
cat bench/RESULTS.md
