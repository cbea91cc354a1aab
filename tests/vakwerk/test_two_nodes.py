"""Issue 23, point 4: nothing depends on one app node.

Two real gunicorn nodes (each with a Celery worker of its own) run on the test database
behind HAProxy (fewest requests in progress first, round robin among equals), as
`bench/run.sh` runs them. Every response says which node answered (X-VAKwerk-Node), and the
test checks that consecutive requests alternate, so each step below is known to have
crossed from one node to the other:

- a login made on one node is valid on the other (sessions and CSRF are not per node);
- a report request sent through one node and repeated with the same one-time key through
  the other makes one report;
- that report (a PDF) is made by one of the nodes' Celery workers and downloaded through
  each node (one private storage for all nodes);
- wrong passwords sent to both nodes count against one lock-out.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from django.db import connection
from django.urls import reverse

from bench.haproxy import config as haproxy_config
from evaluation.reports.models import Report
from tests.vakwerk.factories import ProgrammeFactory
from vakwerk.models import JobStatus
from vakwerk.roles import Role

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct-horse-battery"  # tests.vakwerk.factories.UserFactory
NODES = ("node-a", "node-b")
ONE_TIME_KEY = re.compile(r'name="one_time_key" value="([^"]+)"')


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url():
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    return f"postgres://{quote(db['USER'] or '')}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def wait_until(check, what, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"not within {seconds} s: {what}")


def answers(url):
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


@pytest.fixture
def cluster(transactional_db, settings, tmp_path):
    """Two nodes (gunicorn + Celery worker each) behind HAProxy; yields HAProxy's URL."""
    haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
    assert os.access(haproxy, os.X_OK), "HAProxy is needed (Debian: apt-get install haproxy)"
    shared = tmp_path / "private"  # in production: one volume mounted on every node
    shared.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.vakwerk.two_nodes_settings",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_RESULT_BACKEND": settings.CELERY_BROKER_URL,
        "PRIVATE_MEDIA_ROOT": str(shared),
        "DJANGO_DEBUG": "false",
    }
    processes, logs, servers = [], [], []

    def start(name, *command):
        log = open(tmp_path / f"{name}.log", "w")  # noqa: SIM115
        logs.append(log)
        processes.append(
            subprocess.Popen(
                command,
                cwd=ROOT,
                env={**env, "VAKWERK_NODE_NAME": name.split(".")[0]},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )

    try:
        ports = {}
        for node in NODES:
            ports[node] = free_port()
            start(node, sys.executable, "-m", "gunicorn", "vakwerk.wsgi:application",
                  "--bind", f"127.0.0.1:{ports[node]}", "--workers", "1")  # fmt: skip
            start(f"{node}.worker", sys.executable, "-m", "celery", "-A", "vakwerk", "worker",
                  "--pool", "solo", "--loglevel", "INFO", "--without-gossip", "--without-mingle",
                  "--without-heartbeat", "--hostname", f"{node}@%h")  # fmt: skip
            servers.append((node, f"127.0.0.1:{ports[node]}"))
        lb_port = free_port()
        config = tmp_path / "haproxy.cfg"
        # The bench's configuration (bench/haproxy.py), so this checks what the bench measures.
        config.write_text(haproxy_config(lb_port, tmp_path / "haproxy.sock", servers, 1))
        start("haproxy", haproxy, "-W", "-db", "-f", str(config))
        for node in NODES:
            wait_until(lambda node=node: answers(f"http://127.0.0.1:{ports[node]}/healthz"), node)
        # HAProxy sends to a node once its own health check has seen it up.
        wait_until(lambda: all(node_is_up(tmp_path / "haproxy.sock", n) for n in NODES), "up")
        yield Cluster(f"http://127.0.0.1:{lb_port}", tmp_path)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for log in logs:
            log.close()


def node_is_up(sock_path, node):
    try:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.connect(str(sock_path))
            sock.sendall(b"show stat\n")
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
    except OSError:
        return False
    return any(
        line.startswith(f"nodes,{node},") and ",UP," in line for line in data.decode().splitlines()
    )


class Cluster:
    def __init__(self, url, folder):
        self.url = url
        self.folder = folder

    def browser(self):
        return Browser(self.url)

    def worker_log(self, node):
        return (self.folder / f"{node}.worker.log").read_text()


class Browser:
    """One browser (cookies) talking to HAProxy; remembers which node answered each request
    and checks that they alternate, as round robin among equally busy nodes promises a
    single client."""

    def __init__(self, url):
        self.url = url
        self.session = requests.Session()
        self.nodes = []

    def send(self, method, path, **kwargs):
        headers = {"Referer": self.url + path}
        response = self.session.request(
            method, self.url + path, headers=headers, allow_redirects=False, timeout=30, **kwargs
        )
        node = response.headers.get("X-VAKwerk-Node")
        assert node in NODES, f"{path}: answered by {node!r}"
        if self.nodes:
            assert node != self.nodes[-1], f"{path}: {node} answered twice in a row"
        self.nodes.append(node)
        return response

    def get(self, path):
        return self.send("GET", path)

    def post(self, path, data):
        return self.send("POST", path, data={**data, "csrfmiddlewaretoken": self.csrf()})

    def csrf(self):
        return self.session.cookies.get("csrftoken", "")

    def log_in(self, email, password=PASSWORD):
        self.get(reverse("login"))
        return self.post(reverse("login"), {"username": email, "password": password})


@pytest.mark.django_db(transaction=True)
def test_nothing_depends_on_one_app_node(cluster, municipality, make_user, evidence):
    programme = ProgrammeFactory(municipality=municipality, name="VAK Duurzaam")
    manager = make_user(Role.MANAGER, email="manager@zwolle.example")

    # A login on one node, the next page on the other.
    browser = cluster.browser()
    response = browser.log_in(manager.email)
    assert response.status_code == 302, "the CSRF token of one node is valid on the other"
    login_node = browser.nodes[-1]
    page = browser.get(reverse("evaluation:report_list"))
    assert page.status_code == 200, "the login is valid on the other node"
    assert browser.nodes[-1] != login_node
    key = ONE_TIME_KEY.search(page.text).group(1)

    # The same report request (one one-time key) through both nodes: one report.
    form = {"programme": programme.pk, "kind": "savings", "one_time_key": key}
    first = browser.post(reverse("evaluation:report_request"), form)
    request_node = browser.nodes[-1]
    again = browser.post(reverse("evaluation:report_request"), form)
    assert first.status_code == again.status_code == 302
    assert browser.nodes[-1] != request_node
    report = Report.objects.get()

    # Made by one of the nodes' Celery workers.
    wait_until(
        lambda: Report.objects.filter(pk=report.pk, status=JobStatus.DONE).exists(), "report"
    )
    built = re.compile(r"evaluation\.tasks\.build_report\[[^\]]+\] succeeded")
    builders = [n for n in NODES if built.search(cluster.worker_log(n))]
    assert len(builders) == 1, f"report built by the workers of {builders}"
    # Through both nodes in turn: the one whose worker wrote the file and the other.
    for _ in NODES:
        download = browser.get(reverse("evaluation:report_download", args=[report.pk]))
        assert download.status_code == 200, f"no report file on {browser.nodes[-1]}"
        assert download.content.startswith(b"%PDF")
    assert Report.objects.count() == 1

    # Wrong passwords through both nodes count against one lock: the fifth locks.
    make_user(email="consultant@zwolle.example")
    guesser = cluster.browser()
    guesser.get(reverse("login"))
    guess = {"username": "consultant@zwolle.example", "password": "wrong guess"}
    statuses = [guesser.post(reverse("login"), guess).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    assert set(guesser.nodes[1:]) == set(NODES), "the guesses went to both nodes"
    locked = guesser.post(
        reverse("login"), {"username": "consultant@zwolle.example", "password": PASSWORD}
    )
    assert locked.status_code == 429
    assert "Te veel mislukte pogingen" in locked.text

    evidence.append(
        f"two app nodes behind HAProxy: {len(browser.nodes) + len(guesser.nodes)} requests "
        f"alternating {' / '.join(NODES)}; report built by {builders[0]}'s worker"
    )
