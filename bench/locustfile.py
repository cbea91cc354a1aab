# ruff: noqa: S311  (random picks of pages to visit, not cryptography)
"""50 consultants at once: browse the caseload, open participants, log coaching sessions.

Run by bench/run.sh (locust headless against a gunicorn on 127.0.0.1). Each simulated
user logs in as a different consultant from BENCH_USERS_FILE (JSON {"emails": [...]},
written by `measure.py load-users`), with DEMO_PASSWORD (default vakwerk-demo).
"""

import datetime
import itertools
import json
import os
import random
import re

import gevent
import gevent.event
from locust import HttpUser, between, task

PASSWORD = os.environ.get("DEMO_PASSWORD", "vakwerk-demo")
with open(os.environ["BENCH_USERS_FILE"]) as f:
    EMAILS = json.load(f)["emails"]
_next_email = itertools.cycle(EMAILS)
PARTICIPANT_LINK = re.compile(r'href="/participants/(\d+)/"')
USERS = int(os.environ.get("BENCH_USERS", "50"))
OUT = os.environ.get("BENCH_OUT", ".")
# Phase 1: every consultant logs in (password hashing, once per person). Phase 2, the
# warm-up, starts when all have: BENCH_WARMUP seconds of browsing while the web workers
# compile their templates and PostgreSQL pulls the caseloads into its buffers. Phase 3 is
# what the results show: the statistics are reset at its start, so the browsing figures
# are not mixed with the login storm or a cold server. Phases 1 and 2 are saved to
# login_phase.json and warmup_phase.json.
WARMUP = float(os.environ.get("BENCH_WARMUP", "15"))
_logged_in = 0
_all_logged_in = gevent.event.Event()


def _save_phase(environment, filename):
    stats = environment.runner.stats
    phase = {
        name: {
            "count": e.num_requests,
            "failures": e.num_failures,
            "median_ms": e.median_response_time,
            "p95_ms": e.get_response_time_percentile(0.95),
        }
        for (name, _method), e in stats.entries.items()
    }
    phase["total_failures"] = stats.total.num_failures
    phase["total"] = {
        "count": stats.total.num_requests,
        "median_ms": stats.total.median_response_time,
        "p95_ms": stats.total.get_response_time_percentile(0.95),
    }
    with open(os.path.join(OUT, filename), "w") as f:
        json.dump(phase, f, indent=2)
    stats.reset_all()


def _login_done(environment):
    global _logged_in
    _logged_in += 1
    if _logged_in == USERS:
        _save_phase(environment, "login_phase.json")
        _all_logged_in.set()
        gevent.spawn_later(WARMUP, _save_phase, environment, "warmup_phase.json")


class Consultant(HttpUser):
    # A person clicks every few seconds; 50 of them give a realistic office peak.
    wait_time = between(1, 3)

    def on_start(self):
        self.email = next(_next_email)
        self.participants = []
        self.client.get("/account/login/", name="login form")
        response = self.client.post(
            "/account/login/",
            data={
                "username": self.email,
                "password": PASSWORD,
                "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", ""),
            },
            headers={"Referer": self.host + "/account/login/"},
            name="login",
            allow_redirects=False,
            catch_response=True,
        )
        with response:
            if response.status_code != 302:
                response.failure(f"login as {self.email}: {response.status_code}")
        _login_done(self.environment)
        _all_logged_in.wait()
        # Start after one think time of one's own: without it all 50 would click in the same
        # millisecond and keep doing so in waves, a herd no office produces.
        gevent.sleep(self.wait_time())
        self.caseload()

    def _csrf(self):
        return self.client.cookies.get("csrftoken", "")

    @task(4)
    def caseload(self):
        page = random.choice(["", "", "?page=2", "?sort=-last_contact", "?sort=status"])
        with self.client.get(f"/participants/{page}", name="caseload", catch_response=True) as r:
            if r.status_code != 200 or "/account/login/" in r.url:
                r.failure(f"caseload: {r.status_code} {r.url}")
                return
            found = PARTICIPANT_LINK.findall(r.text)
            if found:
                self.participants = found

    @task(4)
    def participant(self):
        if not self.participants:
            return self.caseload()
        pk = random.choice(self.participants)
        with self.client.get(
            f"/participants/{pk}/", name="participant page", catch_response=True
        ) as r:
            if r.status_code != 200:
                r.failure(f"participant: {r.status_code}")

    @task(1)
    def log_session(self):
        if not self.participants:
            return self.caseload()
        pk = random.choice(self.participants)
        data = {
            "held_on": datetime.date.today().isoformat(),
            "minutes": "45",
            "kind": "individual",
            "themes": ["knowledge"],
            "notes": "Bench: gesprek gevoerd.",
            "agreed_actions": "",
            "next_appointment": "",
            "csrfmiddlewaretoken": self._csrf(),
        }
        with self.client.post(
            f"/participants/{pk}/sessions/new/",
            data=data,
            headers={"Referer": f"{self.host}/participants/{pk}/"},
            name="log session",
            allow_redirects=False,
            catch_response=True,
        ) as r:
            if r.status_code != 302:
                r.failure(f"log session: {r.status_code}")
