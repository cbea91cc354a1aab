"""Production serving (issue 15, found 6 and build 4): slow clients cannot take every
gunicorn worker, and a body larger than the limit is refused before a view reads it."""

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from vakwerk.roles import Role

ROOT = Path(__file__).resolve().parents[2]
GUNICORN_CONFIG = ROOT / "docker" / "gunicorn.conf.py"
TOO_LARGE = str(50 * 1024 * 1024)


def test_request_and_upload_sizes_are_capped():
    assert settings.VAKWERK_MAX_REQUEST_SIZE == 10 * 1024 * 1024
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 2_621_440
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= 2_621_440
    assert settings.MIDDLEWARE[0] == "vakwerk.request_limits.RequestSizeLimitMiddleware"


@pytest.mark.django_db
def test_an_oversized_body_is_refused_with_a_dutch_page_before_any_view_reads_it(
    client, make_user
):
    # The body announces 50 MB and holds one byte: a view that started reading it would
    # fail the test client (it refuses reads past the data it was given).
    response = client.generic(
        "POST", reverse("login"), b"x", "application/x-www-form-urlencoded",
        CONTENT_LENGTH=TOO_LARGE,
    )  # fmt: skip
    assert response.status_code == 413
    text = response.content.decode()
    assert "groter dan 10 MB" in text and "niet verwerkt" in text

    client.force_login(make_user(Role.CONSULTANT))
    upload = client.generic(
        "POST", reverse("participants:import_upload"), b"x",
        "multipart/form-data; boundary=xyz", CONTENT_LENGTH=TOO_LARGE,
    )  # fmt: skip
    assert upload.status_code == 413
    # Under the limit the view answers as always.
    assert client.get(reverse("participants:import_upload")).status_code == 200


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _database_url():
    db = connection.settings_dict
    user = quote(db["USER"] or "")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _get(port, path, timeout):
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        conn.sendall(
            f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode()
        )
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    return answer.decode(errors="replace")


@pytest.fixture
def gunicorn(tmp_path):
    """The production gunicorn configuration with one worker, on the test database."""
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "vakwerk.settings.test",
        "DATABASE_URL": _database_url(),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
    }
    log = open(tmp_path / "gunicorn.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", str(GUNICORN_CONFIG),
         "vakwerk.wsgi:application"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                _get(port, "/healthz", timeout=2)
                break
            except OSError:
                assert process.poll() is None, (tmp_path / "gunicorn.log").read_text()
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.mark.django_db(transaction=True)
def test_slow_clients_do_not_hold_up_gunicorn(gunicorn, evidence):
    # Three clients fetch the login form and POST it back (with its CSRF cookie, so that
    # Django reads the body) and then send nothing more: like 100 bytes a second, only
    # slower. With the former sync workers each held a whole worker until its time-out.
    form = _get(gunicorn, "/account/login/", timeout=10)
    token = re.search(r"csrftoken=([A-Za-z0-9]+)", form).group(1)
    slow = []
    try:
        for _ in range(3):
            conn = socket.create_connection(("127.0.0.1", gunicorn), timeout=5)
            conn.sendall(
                b"POST /account/login/ HTTP/1.1\r\nHost: localhost\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n"
                b"Cookie: csrftoken=" + token.encode() + b"\r\n"
                b"Content-Length: 1000\r\n\r\ncsrfmiddlewaretoken=" + token.encode()
            )
            slow.append(conn)
        time.sleep(0.5)
        started = time.monotonic()
        answer = _get(gunicorn, "/healthz", timeout=5)
        took = time.monotonic() - started
        assert answer.startswith("HTTP/1.1 200"), answer[:200]
        assert '"database": "ok"' in answer
        assert took < 3

        # An oversized body is refused at once, without waiting for it.
        with socket.create_connection(("127.0.0.1", gunicorn), timeout=5) as conn:
            conn.sendall(
                b"POST /account/login/ HTTP/1.1\r\nHost: localhost\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n"
                b"Content-Length: " + TOO_LARGE.encode() + b"\r\n\r\nusername=a"
            )
            assert conn.recv(200).startswith(b"HTTP/1.1 413")
    finally:
        for conn in slow:
            conn.close()
    evidence.append(f"serving: gunicorn answered /healthz in {took:.2f} s beside 3 slow clients")


def test_a_server_process_keeps_the_apps_objects_out_of_the_garbage_collectors_walks():
    # What gunicorn's workers load: vakwerk/wsgi.py. Afterwards the views are imported and
    # everything so far is frozen, so a full collection during a request (the net-effect
    # page sets them off) no longer walks Django's and the app's modules.
    script = (
        "import gc, sys, vakwerk.wsgi;"
        "print(gc.get_freeze_count(), 'participants.views' in sys.modules)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "vakwerk.settings.test",
           "DATABASE_URL": _database_url()}  # fmt: skip
    output = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
        check=True, timeout=60,
    ).stdout.split()  # fmt: skip
    frozen, views_loaded = int(output[0]), output[1]
    assert views_loaded == "True"
    # A bare interpreter has a few thousand objects; Django with the app's modules has
    # hundreds of thousands.
    assert frozen > 100_000, frozen
