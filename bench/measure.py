# ruff: noqa: E501, S607  (long result-table lines; git from PATH)
"""VAKwerk benchmark: in-process measurements against whatever data is in DATABASE_URL.

    python bench/measure.py pools      # the comparison pools job for the measured municipality
    python bench/measure.py pages      # page server time + query count vs. replayed SQL
    python bench/measure.py export     # research export (coaching sessions) vs. COPY
    python bench/measure.py pdf        # monitoring PDF vs. bare WeasyPrint
    python bench/measure.py load-users # writes the consultants for locust (JSON)
    python bench/measure.py report     # bench/out/*.json + locust CSV -> bench/RESULTS.md
    python bench/measure.py replica-lag  # samples the replica's lag every second until SIGTERM
    python bench/measure.py haproxy-stats SOCKET  # requests per app node, from HAProxy

Each measuring subcommand writes bench/out/<name>.json (BENCH_OUT to change the folder).
Env: BENCH_REPEATS (default 10), BENCH_EXPORT_REPEATS (default 3), BENCH_FACTOR (only
reported), DATABASE_URL (PostgreSQL), DJANGO_SETTINGS_MODULE (default vakwerk.settings.dev).
Nothing here changes application code; the export and PDF measurements create their
research projects / report objects inside a transaction that is rolled back (with a
replica, DATABASE_REPLICA_URL, the export's projects are committed so that the standby sees
them, and deleted afterwards).
"""

import contextlib
import datetime
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = Path(os.environ.get("BENCH_OUT", BENCH / "out"))
REPEATS = int(os.environ.get("BENCH_REPEATS", "10"))
EXPORT_REPEATS = int(os.environ.get("BENCH_EXPORT_REPEATS", "3"))

sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vakwerk.settings.dev")
# Measure without DEBUG: DEBUG keeps every query in memory and renders debug data.
os.environ.setdefault("DJANGO_DEBUG", "false")

import django  # noqa: E402

django.setup()

# As a gunicorn worker does on loading vakwerk/wsgi.py: the pages below stand in for one.
from vakwerk import process  # noqa: E402

process.settle()

from django.db import connection, connections, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from consultants.models import CoachingSession  # noqa: E402
from employers.models import Match, Opportunity  # noqa: E402
from funding.models import Fund, LedgerEntry  # noqa: E402
from participants.models import Participant  # noqa: E402
from vakwerk.models import Municipality, Programme, User  # noqa: E402
from vakwerk.roles import Role  # noqa: E402


def pct(values, p):
    """Nearest-rank percentile (p95 of 10 runs = the slowest but none)."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1))
    return ordered[k]


def summary(values):
    return {"median": statistics.median(values), "p95": pct(values, 95), "n": len(values)}


def save(name, data):
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{name}.json").write_text(json.dumps(data, indent=2, default=str))
    print(json.dumps(data, indent=2, default=str))


# --- Picking the subjects ------------------------------------------------------------


def largest_municipality():
    return Municipality.objects.annotate(n=Count("participants")).order_by("-n", "pk").first()


def user_with_role(municipality, role):
    return (
        User.objects.filter(municipality=municipality, role=role, is_active=True)
        .order_by("pk")
        .first()
    )


def busiest_consultant(municipality):
    row = (
        Participant.objects.filter(municipality=municipality, consultant__isnull=False)
        .values("consultant")
        .annotate(n=Count("pk"))
        .order_by("-n", "consultant")
        .first()
    )
    return User.objects.get(pk=row["consultant"])


def subjects():
    m = largest_municipality()
    consultant = busiest_consultant(m)
    manager = user_with_role(m, Role.MANAGER)
    participant = (
        Participant.objects.filter(consultant=consultant)
        .annotate(n=Count("coaching_sessions"))
        .order_by("-n", "pk")
        .first()
    )
    opportunity = (
        Opportunity.objects.filter(employer__municipality=m)
        .annotate(n=Count("matches"))
        .order_by("-n", "pk")
        .first()
    )
    fund = (
        Fund.objects.filter(municipality=m)
        .annotate(n=Count("entries"))
        .order_by("-n", "pk")
        .first()
    )
    return m, consultant, manager, participant, opportunity, fund


# --- Pages ---------------------------------------------------------------------------


# What Django records when it opens or ends a transaction: replay() runs in its own.
_TRANSACTION_MARKERS = {"BEGIN", "COMMIT", "ROLLBACK"}


def replay(sqls_by_alias):
    """The page's own statements, each run directly on the connection it ran on during the
    page (the replica's for the reads a replica scope sent there): no ORM, no template. Its
    writes (the participant page's audit row) are its SQL too: they run in a transaction
    that is rolled back, so the replay adds no row (and leaves out the commit's flush)."""
    start = time.perf_counter()
    for alias, sqls in sqls_by_alias.items():
        with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
            for sql in sqls:
                cursor.execute(sql)
                if cursor.description is not None:
                    cursor.fetchall()
            transaction.set_rollback(True, using=alias)
    return time.perf_counter() - start


def measure_page(label, user, url, target_queries=20):
    client = Client()
    client.force_login(user)
    response = client.get(url)  # warm-up (and a check that the page answers)
    if response.status_code != 200:
        raise SystemExit(f"{label}: GET {url} as {user} answered {response.status_code}")
    times, counts, sql_times = [], [], []
    for _ in range(REPEATS):
        # Every connection: with a replica, a dashboard's figures are read there.
        with contextlib.ExitStack() as stack:
            captures = {
                alias: stack.enter_context(CaptureQueriesContext(connections[alias]))
                for alias in connections
            }
            start = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
        queries = [q for c in captures.values() for q in c.captured_queries]
        counts.append(len(queries))
        statements = {
            alias: [q["sql"] for q in c.captured_queries if q["sql"] not in _TRANSACTION_MARKERS]
            for alias, c in captures.items()
        }
        sql_times.append(replay(statements))
    result = {
        "label": label,
        "url": url,
        "user": user.email,
        "time_s": summary(times),
        "queries": summary(counts),
        "replayed_sql_s": summary(sql_times),
        "target_queries": target_queries,
        "slowest_queries": sorted(
            ({"ms": float(q["time"]) * 1000, "sql": q["sql"]} for q in queries),
            key=lambda q: -q["ms"],
        )[:3],
    }
    print(
        f"{label:28} median {result['time_s']['median'] * 1000:8.1f} ms  "
        f"p95 {result['time_s']['p95'] * 1000:8.1f} ms  queries {result['queries']['median']:.0f}  "
        f"SQL {result['replayed_sql_s']['median'] * 1000:8.1f} ms",
        flush=True,
    )
    return result


def cmd_pools():
    """The net effect's comparison pools of the measured municipality, computed and stored
    as the job does after a snapshot import (the seed loads the register directly, without
    an import): the pages read them, as in a running system."""
    from participants.register import services

    m = largest_municipality()
    start = time.perf_counter()
    computed = services.refresh_comparison_pools(m.pk)
    seconds = time.perf_counter() - start
    print(f"comparison pools of {m.name}: {computed} in {seconds:.1f} s", flush=True)
    save("pools", {"municipality": m.name, "computed": computed or 0, "seconds": seconds})


def cmd_pages():
    # Not Django's setup_test_environment(): it swaps in the instrumented template renderer,
    # which copies the context at every template and include for the test client, a cost
    # no production request has (run.sh allows the host "testserver").
    m, consultant, manager, participant, opportunity, fund = subjects()
    sizes = {
        "municipality": m.name,
        "participants_in_municipality": Participant.objects.filter(municipality=m).count(),
        "consultant_caseload": Participant.objects.filter(consultant=consultant).count(),
        "sessions_of_participant": CoachingSession.objects.filter(participant=participant).count(),
        "matches_of_opportunity": Match.objects.filter(opportunity=opportunity).count(),
        "ledger_entries_of_fund": LedgerEntry.objects.filter(fund=fund).count(),
    }
    print(sizes, flush=True)
    from vakwerk import paging

    entries = LedgerEntry.objects.filter(fund=fund).order_by("-booked_at", "-pk")
    before_oldest = entries[max(0, sizes["ledger_entries_of_fund"] - 51)]
    oldest = paging.token(paging.OLDER, before_oldest.booked_at, before_oldest.pk)
    n_caseload_pages = max(1, (sizes["participants_in_municipality"] + 24) // 25)
    pages = [
        measure_page("caseload (consultant)", consultant, "/participants/"),
        measure_page("participant page", consultant, f"/participants/{participant.pk}/"),
        measure_page(
            "opportunity board", manager, f"/employers/opportunities/{opportunity.pk}/board/"
        )
        if _url_ok(manager, f"/employers/opportunities/{opportunity.pk}/board/")
        else None,
        measure_page("funds overview", manager, "/funding/funds/"),
        measure_page("ledger (fund page 1)", manager, f"/funding/funds/{fund.pk}/"),
        measure_page("dashboard (manager)", manager, "/evaluation/dashboard/"),
        # Issue 20: the matched comparison over the register (ten people per participant).
        measure_page(
            "net effect (manager)", manager, "/participants/benefit-register/net-effect/"
        ),
        # Extra, not in the list: the worst cases of offset pagination.
        measure_page(
            "caseload (manager, last page)", manager, f"/participants/?page={n_caseload_pages}"
        ),
        # The ledger pages by keyset: its oldest page, reached through a position token.
        measure_page("ledger (oldest page)", manager, f"/funding/funds/{fund.pk}/?from={oldest}"),
    ]
    save("pages", {"sizes": sizes, "pages": [p for p in pages if p]})


def _url_ok(user, url):
    client = Client()
    client.force_login(user)
    return client.get(url).status_code == 200


# --- Research export -------------------------------------------------------------------


class RssSampler:
    """Peak resident memory of this process, sampled every 10 ms in a thread."""

    def __init__(self):
        import psutil

        self.process = psutil.Process()
        self.peak = self.base = self.process.memory_info().rss
        self._stop = threading.Event()

    def __enter__(self):
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.01)

    def __exit__(self, *exc):
        self._stop.set()
        self.thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)


def _projects():
    from evaluation.research.models import ResearchProject

    projects = []
    for m in Municipality.objects.order_by("pk"):
        programmes = list(Programme.objects.filter(municipality=m))
        if not programmes:
            continue
        project = ResearchProject.objects.create(
            municipality=m,
            name="bench",
            institution="bench",
            agreement_reference="bench",
            valid_until=datetime.date.today() + datetime.timedelta(days=30),
        )
        project.programmes.set(programmes)
        projects.append(project)
    return projects


def _replica_alias():
    """The replica's database alias when the run has one (BENCH_REPLICA=1), else None."""
    from django.conf import settings

    if os.environ.get("DATABASE_REPLICA_URL") and "replica" in settings.DATABASES:
        return "replica"
    return None


def _replica_scope():
    """The app's own scope for reads that may come from the replica (its router decides)."""
    try:
        from vakwerk.db_routing import replica_reads
    except ImportError:  # an app without the replica router
        return contextlib.nullcontext()
    return replica_reads()


def _wait_for_replica(alias, timeout=600):
    """Until the standby has replayed everything the primary wrote so far."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        target = cursor.fetchone()[0]
    deadline = time.monotonic() + timeout
    with connections[alias].cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
            if cursor.fetchone()[0]:
                return
            time.sleep(0.2)
    raise SystemExit(f"the replica did not catch up with {target} in {timeout} s")


def _copy_sql(project, alias):
    from evaluation.research.tables import consenting_participants

    qs = (
        CoachingSession.objects.using(alias)
        .filter(participant__in=consenting_participants(project))
        .order_by("participant_id", "held_on", "pk")
        .values("participant_id", "held_on", "minutes", "kind", "meeting_id", "themes")
    )
    sql, params = qs.query.sql_with_params()
    return connections[alias].ops.compose_sql(sql, params)


def _run_copy(projects, alias):
    rows = 0
    start = time.perf_counter()
    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
        # The sort memory the export gives itself (evaluation.research.writers._copy_csv), so that
        # both sort in memory and the comparison is about the rest.
        cursor.execute("SET LOCAL work_mem = '64MB'")
        for project in projects:
            sql = _copy_sql(project, alias)
            with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)") as copy:
                for data in copy:
                    rows += bytes(data).count(b"\n")
    return rows, time.perf_counter() - start


def _run_export(projects):
    from evaluation.research.writers import write_export

    rows = 0
    start = time.perf_counter()
    for project in projects:
        with tempfile.TemporaryFile() as scratch, _replica_scope():
            counts = write_export(project, ["coaching_sessions"], "csv", scratch)
        rows += counts["coaching_sessions"]
    return rows, time.perf_counter() - start


def _measure_export(projects, alias):
    total = CoachingSession.objects.count()
    export_rate, export_peak, copy_rate, copy_peak = [], [], [], []
    for i in range(EXPORT_REPEATS):
        with RssSampler() as mem:
            rows, seconds = _run_export(projects)
        export_rate.append(rows / seconds)
        export_peak.append((mem.peak - mem.base) / 2**20)
        print(
            f"export run {i}: {rows} rows in {seconds:.1f}s, +{export_peak[-1]:.0f} MB RSS "
            f"(peak {mem.peak / 2**20:.0f} MB)",
            flush=True,
        )
        with RssSampler() as mem:
            copy_rows, seconds = _run_copy(projects, alias)
        copy_rate.append(copy_rows / seconds)
        copy_peak.append((mem.peak - mem.base) / 2**20)
        print(f"COPY run {i}: {copy_rows} rows in {seconds:.1f}s", flush=True)
    # One extra run under tracemalloc: the Python heap's peak during the export.
    tracemalloc.start()
    _run_export(projects)
    _current, heap_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    absolute = RssSampler().process.memory_info().rss / 2**20
    return {
        "sessions_total": total,
        "rows_exported": rows,
        "rows_copy": copy_rows,
        "projects": len(projects),
        "source": alias,
        "export_rows_per_s": summary(export_rate),
        "copy_rows_per_s": summary(copy_rate),
        "export_rss_growth_mb": summary(export_peak),
        "copy_rss_growth_mb": summary(copy_peak),
        "export_tracemalloc_peak_mb": heap_peak / 2**20,
        "process_rss_after_mb": absolute,
    }


def cmd_export():
    alias = _replica_alias()
    if alias:
        # The standby only sees committed rows: the projects are committed, replicated, and
        # deleted afterwards. Both the export and COPY then read from the replica.
        projects = _projects()
        try:
            _wait_for_replica(alias)
            result = _measure_export(projects, alias)
        finally:
            for project in projects:
                project.delete()
    else:
        with transaction.atomic():
            projects = _projects()
            result = _measure_export(projects, "default")
            transaction.set_rollback(True)
    save("export", result)


# --- Replica lag and HAProxy, during the load -------------------------------------------


def cmd_replica_lag():
    """Every second until SIGTERM: on the primary, each standby's replay lag (time) and how
    far behind it is in WAL (bytes); on the standby, the age of the last replayed
    transaction (which also grows while nothing is written). Writes replica_lag.json."""
    import psycopg

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    samples = []
    with (
        psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as primary,
        psycopg.connect(os.environ["DATABASE_REPLICA_URL"], autocommit=True) as standby,
    ):
        while not stop.is_set():
            rows = primary.execute(
                "SELECT application_name, EXTRACT(epoch FROM replay_lag)::float8, "
                "pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8 FROM pg_stat_replication"
            ).fetchall()
            age = standby.execute(
                "SELECT EXTRACT(epoch FROM now() - pg_last_xact_replay_timestamp())::float8"
            ).fetchone()[0]
            samples.append(
                {
                    "t": time.time(),
                    "standbys": [
                        {"name": n, "replay_lag_s": lag or 0.0, "behind_bytes": behind or 0.0}
                        for n, lag, behind in rows
                    ],
                    "last_replay_age_s": age,
                }
            )
            stop.wait(1)
    lag = [max((x["replay_lag_s"] for x in s["standbys"]), default=0.0) for s in samples]
    behind = [max((x["behind_bytes"] for x in s["standbys"]), default=0.0) for s in samples]
    save(
        "replica_lag",
        {
            "samples": len(samples),
            "standbys_seen": max((len(s["standbys"]) for s in samples), default=0),
            "replay_lag_s": {"max": max(lag, default=0.0), "p95": pct(lag, 95) if lag else 0.0},
            "behind_bytes": {
                "max": max(behind, default=0.0),
                "p95": pct(behind, 95) if behind else 0.0,
            },
            "raw": samples,
        },
    )


def cmd_haproxy_stats(sock_path):
    """Requests per app node as HAProxy counted them (its stats socket, `show stat`)."""
    import csv
    import socket

    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.connect(sock_path)
        sock.sendall(b"show stat\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    text = data.decode().lstrip("# ")
    nodes = {}
    for row in csv.DictReader(text.splitlines()):
        if row.get("pxname") != "nodes" or row.get("svname") in ("FRONTEND", "BACKEND"):
            continue
        codes = ["hrsp_1xx", "hrsp_2xx", "hrsp_3xx", "hrsp_4xx", "hrsp_5xx", "hrsp_other"]
        nodes[row["svname"]] = {
            "requests": sum(int(row.get(c) or 0) for c in codes),
            "hrsp_5xx": int(row.get("hrsp_5xx") or 0),
            "status": row.get("status"),
        }
    save("haproxy", {"nodes": nodes})


# --- Monitoring PDF -------------------------------------------------------------------


def cmd_pdf():
    from django.template.loader import render_to_string
    from django.utils import translation

    from evaluation.reports import services as reports
    from evaluation.reports.models import Report, ReportKind

    target = int(os.environ.get("BENCH_PDF_PARTICIPANTS", "1000"))
    programmes = Programme.objects.annotate(n=Count("participants")).filter(n__gt=0)
    programme = min(programmes, key=lambda p: (abs(p.n - target), p.pk))
    report = Report(programme=programme, kind=ReportKind.MONITORING)
    reports.render_pdf("<p>warm-up</p>")  # loads Pango and fonts once
    full, bare, sizes = [], [], []
    for _ in range(max(3, REPEATS // 2)):
        with translation.override("nl"):
            start = time.perf_counter()
            context = reports.monitoring_context(report)
            html = render_to_string(reports.TEMPLATES[ReportKind.MONITORING], context)
            pdf = reports.render_pdf(html)
            full.append(time.perf_counter() - start)
            start = time.perf_counter()
            reports.render_pdf(html)
            bare.append(time.perf_counter() - start)
        sizes.append(len(pdf))
    save(
        "pdf",
        {
            "programme": programme.name,
            "participants": programme.n,
            "report_s": summary(full),
            "weasyprint_s": summary(bare),
            "pdf_bytes": sizes[-1],
        },
    )


# --- Users for the load test ----------------------------------------------------------


def cmd_load_users():
    n = int(os.environ.get("BENCH_USERS", "50"))
    rows = (
        Participant.objects.filter(consultant__isnull=False, consultant__is_active=True)
        .values("consultant__email")
        .annotate(n=Count("pk"))
        .order_by("-n", "consultant__email")[:n]
    )
    emails = [r["consultant__email"] for r in rows]
    save("load_users", {"emails": emails})


# --- Report ---------------------------------------------------------------------------


def _load(name, folder=None):
    path = (folder or OUT) / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def machine():
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 2**20:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} CPUs ({model}), {mem} RAM, {platform.system()} {platform.release()}"


def git_commit():
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
        return commit + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "?"


def ms(seconds):
    return f"{seconds * 1000:,.0f} ms" if seconds >= 0.1 else f"{seconds * 1000:.1f} ms"


def yes(flag):
    return "**yes**" if flag else "**no**"


def _locust_stats(folder=None):
    import csv

    path = (folder or OUT) / "locust_stats.csv"
    if not path.exists():
        return None
    with path.open() as f:
        return list(csv.DictReader(f))


def dataset_counts():
    from django.apps import apps

    counts = {}
    for label in [
        "vakwerk.Municipality",
        "participants.Participant",
        "vakwerk.User",
        "consultants.CoachingSession",
        "participants.OutcomeMeasurement",
        "employers.Employer",
        "employers.Opportunity",
        "employers.Match",
        "funding.LedgerEntry",
    ]:
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        with connection.cursor() as cursor:
            # Planner estimate is enough for the table header and instant at any size.
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                [model._meta.db_table],
            )
            estimate = cursor.fetchone()[0]
        counts[label.split(".")[1]] = (
            estimate if estimate and estimate > 100_000 else model.objects.count()
        )
    return counts


def _load_rows(lines, folder, load, setup):
    """The table rows of one load phase; returns its p95 over all browsing requests."""
    stats = _locust_stats(folder)
    agg = next((s for s in stats if s["Name"] == "Aggregated"), None)
    browsing = [s for s in stats if s["Name"] not in ("Aggregated", "login")]
    login = _load("login_phase", folder) or {}
    errors = sum(int(s["Failure Count"]) for s in stats if s["Name"] != "Aggregated")
    errors += int(login.get("total_failures", 0))
    errors += int((_load("warmup_phase", folder) or {}).get("total_failures", 0))
    requests = sum(int(s["Request Count"]) for s in browsing)
    # p95 over the browsing requests (login excluded: password hashing, once per user).
    worst_p95 = max((float(s["95%"]) for s in browsing if s["95%"] not in ("N/A", "")), default=0)
    users = load.get("users", "?")
    lines.append(
        f"| {users} concurrent consultants, {setup}, about {load.get('seconds', '?')} s of "
        f"browsing after a {load.get('warmup', 0)} s warm-up: "
        f"all requests | {float(agg['50%']):.0f} ms | {float(agg['95%']):.0f} ms | — | — | "
        f"< 300 ms | {yes(float(agg['95%']) < 300)} |"
    )
    lines.append(
        f"| same: worst p95 of one request type (login excluded), {requests:,} requests | — | "
        f"{worst_p95:.0f} ms | — | — | < 300 ms | {yes(worst_p95 < 300)} |"
    )
    lines.append(
        f"| same: errors (login and warm-up included) | {errors} | — | — | — | 0 | {yes(errors == 0)} |"
    )
    if "login" in login:
        lines.append(
            f"| login phase before it: {login['login']['count']} logins at once (not in the "
            f"figures above) | {login['login']['median_ms']:.0f} ms | {login['login']['p95_ms']:.0f} ms "
            f"| — | — | (none) | — |"
        )
    warmup = _load("warmup_phase", folder) or {}
    if "total" in warmup:
        lines.append(
            f"| warm-up before it: {warmup['total']['count']} requests while the workers and "
            f"PostgreSQL's buffers were cold (not in the figures above) | "
            f"{warmup['total']['median_ms']:.0f} ms | {warmup['total']['p95_ms']:.0f} ms "
            f"| — | — | (none) | — |"
        )
    return float(agg["95%"])


def cmd_report():
    lines = [
        "# VAKwerk benchmark results",
        "",
        f"- Date: {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        f"- Machine: {machine()}",
        f"- Commit: `{git_commit()}`",
        f"- Dataset: `{os.environ.get('BENCH_DATASET', '?')}`"
        + (
            f", factor {os.environ['BENCH_FACTOR']}"
            if os.environ.get("BENCH_FACTOR") and os.environ.get("BENCH_DATASET") != "demo"
            else ""
        ),
        f"- PostgreSQL: {connection.cursor().connection.info.server_version}, "
        f"throwaway cluster (fsync off) from `scripts/with-test-services`",
        f"- Repeats: {REPEATS} per page, {EXPORT_REPEATS} per export; p95 = nearest rank",
        "",
        "Rows (estimated for tables over 100,000): "
        + ", ".join(f"{k} {v:,}" for k, v in dataset_counts().items()),
        "",
        "| figure | median | p95 | limit (median) | ratio | target | met? |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    pages = _load("pages")
    if pages:
        for p in pages["pages"]:
            t, sql, q = p["time_s"], p["replayed_sql_s"], p["queries"]
            is_dashboard = p["label"].startswith("dashboard")
            ratio = t["median"] / sql["median"] if sql["median"] else float("inf")
            q_ok = q["p95"] <= p["target_queries"]
            # Issue 23: every main page at most 2.5x its own SQL (the dashboard kept its
            # earlier 2x), the opportunity board also under 150 ms.
            limit = 2 if is_dashboard else 2.5
            target, met = f"≤ {limit:g}× its SQL", ratio <= limit
            if p["label"].startswith("opportunity board"):
                target, met = target + ", < 150 ms", met and t["median"] < 0.150
            lines.append(
                f"| {p['label']}: server time | {ms(t['median'])} | {ms(t['p95'])} | "
                f"{ms(sql['median'])} (its SQL run directly) | {ratio:.1f}× | "
                f"{target} | {yes(met)} |"
            )
            lines.append(
                f"| {p['label']}: queries | {q['median']:.0f} | {q['p95']:.0f} | "
                f"{p['target_queries']} | {q['median'] / p['target_queries']:.2f} | "
                f"≤ {p['target_queries']} | {yes(q_ok)} |"
            )
    pools = _load("pools")
    if pools:
        lines.append(
            f"| comparison pools job (background, after a snapshot import), "
            f"{pools['municipality']}: {pools['computed']:,} pools | "
            f"{ms(pools['seconds'])} | — | — | — | (none; the pages above read its result) | — |"
        )
    export = _load("export")
    if export:
        e, c = export["export_rows_per_s"], export["copy_rows_per_s"]
        ratio = e["median"] / c["median"]
        mem = export["export_rss_growth_mb"]
        where = " from the replica" if export.get("source") == "replica" else ""
        lines.append(
            f"| research export{where}, {export['rows_exported']:,} coaching sessions: rows/s | "
            f"{e['median']:,.0f} | {e['p95']:,.0f} (slowest: {min(e['median'], e['p95']):,.0f}) | "
            f"{c['median']:,.0f} (COPY … TO STDOUT{where}) | {ratio:.2f} | ≥ 0.5 of COPY | "
            f"{yes(ratio >= 0.5)} |"
        )
        lines.append(
            f"| research export: peak memory (RSS growth) | {mem['median']:.0f} MB | {mem['p95']:.0f} MB | "
            f"{export['copy_rss_growth_mb']['median']:.0f} MB (COPY) | — | < 250 MB | {yes(mem['p95'] < 250)} |"
        )
        lines.append(
            f"| research export: Python heap peak (tracemalloc, 1 run) | "
            f"{export['export_tracemalloc_peak_mb']:.0f} MB | — | — | — | < 250 MB | "
            f"{yes(export['export_tracemalloc_peak_mb'] < 250)} |"
        )
    pdf = _load("pdf")
    if pdf:
        r, w = pdf["report_s"], pdf["weasyprint_s"]
        ratio = r["median"] / w["median"]
        lines.append(
            f"| monitoring PDF, programme of {pdf['participants']:,} participants | {ms(r['median'])} | "
            f"{ms(r['p95'])} | {ms(w['median'])} (WeasyPrint on the same HTML) | {ratio:.2f}× | "
            f"≤ 2× WeasyPrint | {yes(ratio <= 2)} |"
        )
    stats = _locust_stats()
    tables = []
    if stats:
        load = _load("load") or {}
        single = _load_rows(lines, OUT, load, f"1 node × {load.get('workers', '?')} workers")
        tables.append((f"one node, {load.get('workers', '?')} gunicorn workers", OUT, stats))
        nodes_dir = OUT / "nodes"
        two = _locust_stats(nodes_dir)
        if two:
            n, w = load.get("nodes", 2), load.get("node_workers", "?")
            label = f"{n} nodes × {w} workers behind HAProxy"
            multi = _load_rows(lines, nodes_dir, load, label)
            ratio = multi / single if single else float("inf")
            lines.append(
                f"| {label}: p95 of all requests against the single node's | — | {multi:.0f} ms | "
                f"{single:.0f} ms (p95, 1 node, same run) | {ratio:.2f}× | ≤ 1.5× single node | "
                f"{yes(ratio <= 1.5)} |"
            )
            haproxy = (_load("haproxy", nodes_dir) or {}).get("nodes", {})
            if haproxy:
                shares = ", ".join(
                    f"{name} {v['requests']:,} ({v['hrsp_5xx']} 5xx)"
                    for name, v in sorted(haproxy.items())
                )
                counts = [v["requests"] for v in haproxy.values()]
                balanced = len(counts) >= 2 and min(counts) > 0
                lines.append(
                    f"| same: requests per node (HAProxy, login and warm-up included) | {shares} | — "
                    f"| — | {min(counts) / max(counts) if max(counts) else 0:.2f} | every node "
                    f"serves | {yes(balanced)} |"
                )
            tables.append((label, nodes_dir, two))
        for phase, folder in (("1 node", OUT), ("two nodes", nodes_dir)):
            lag = _load("replica_lag", folder)
            if lag:
                t, b = lag["replay_lag_s"], lag["behind_bytes"]
                lines.append(
                    f"| replica lag during the load ({phase}; {lag['samples']} samples, 1/s, "
                    f"{lag['standbys_seen']} standby) | p95 {t['p95'] * 1000:.0f} ms, "
                    f"{b['p95'] / 1024:,.0f} KiB | max {t['max'] * 1000:.0f} ms, "
                    f"{b['max'] / 1024:,.0f} KiB | — | — | reported | — |"
                )
        if load.get("pooler"):
            lines.append(
                "| (the app's processes connected through PgBouncer, transaction mode) "
                "| — | — | — | — | — | — |"
            )
    for label, _folder, rows in tables:
        lines += [
            "",
            f"Load test per request type (locust), {label}:",
            "",
            "| request | count | failures | median | p95 | p99 | max | req/s |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for s in rows:
            if int(s["Request Count"]) == 0:
                continue
            lines.append(
                f"| {s['Type']} {s['Name']} | {s['Request Count']} | {s['Failure Count']} | "
                f"{s['50%']} ms | {s['95%']} ms | {s['99%']} ms | {float(s['Max Response Time']):.0f} ms | "
                f"{float(s['Requests/s']):.1f} |"
            )
    if pages:
        lines += [
            "",
            "Subjects measured (largest municipality): "
            + ", ".join(f"{k} {v}" for k, v in pages["sizes"].items())
            + ".",
        ]
    lines += [
        "",
        '"limit (median)" for a page is the same statements the page issued, re-run '
        "directly on the connection and fetched (no ORM, no template; its writes in a "
        "transaction that is rolled back): what PostgreSQL itself needs. Issue 23 asks each "
        "page for at most 2.5x it (the dashboard keeps issue 8's 2x); the pages are measured "
        "with the net effect's comparison pools stored by their job (the `pools` row). See "
        "bench/README.md for the method and the findings.",
        "",
    ]
    (BENCH / "RESULTS.md").write_text("\n".join(lines))
    print("\n".join(lines))


def cmd_explain():
    """EXPLAIN (ANALYZE, BUFFERS) of the slowest queries of the caseloads, the dashboard
    and the ledger's oldest page."""
    pages = _load("pages")
    wanted = {
        "caseload (consultant)": 1,
        "caseload (manager, last page)": 1,
        "dashboard (manager)": 3,
        "ledger (oldest page)": 1,
    }
    with connection.cursor() as cursor:
        for page in pages["pages"]:
            for q in page["slowest_queries"][: wanted.get(page["label"], 0)]:
                print(f"## {page['label']}: {q['ms']:.1f} ms during the page\n")
                print(q["sql"] + "\n")
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + q["sql"])
                print("\n".join(row[0] for row in cursor.fetchall()) + "\n")


COMMANDS = {
    "explain": cmd_explain,
    "pools": cmd_pools,
    "pages": cmd_pages,
    "export": cmd_export,
    "pdf": cmd_pdf,
    "load-users": cmd_load_users,
    "report": cmd_report,
    "replica-lag": cmd_replica_lag,
    "haproxy-stats": cmd_haproxy_stats,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        raise SystemExit(__doc__)
    COMMANDS[sys.argv[1]](*sys.argv[2:])
