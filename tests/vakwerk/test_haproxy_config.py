"""The one HAProxy configuration (bench/haproxy.py) that the bench's two-node phase and the
two-node test (tests/vakwerk/test_two_nodes.py) both run: rendered the way bench/run.sh
renders it, HAProxy accepts it, and it balances over exactly the nodes it was given."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def haproxy():
    path = shutil.which("haproxy") or "/usr/sbin/haproxy"
    assert os.access(path, os.X_OK), "HAProxy is needed (Debian: apt-get install haproxy)"
    return path


def test_the_bench_s_command_renders_a_configuration_haproxy_accepts(tmp_path):
    socket = tmp_path / "haproxy.sock"
    nodes = ["node1=127.0.0.1:18081", "node2=127.0.0.1:18082"]
    rendered = subprocess.run(
        [
            sys.executable,
            "bench/haproxy.py",
            "--port",
            "18080",
            "--socket",
            str(socket),
            "--maxconn",
            "2",
            *nodes,
        ],  # fmt: skip
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    config = tmp_path / "haproxy.cfg"
    config.write_text(rendered)
    check = subprocess.run(
        [haproxy(), "-c", "-f", str(config)], capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stdout + check.stderr

    lines = [line.strip() for line in rendered.splitlines()]
    assert "bind 127.0.0.1:18080" in lines
    assert f"stats socket {socket} mode 600 level user" in lines
    # Each request to a node with a free worker (at most its 2 at once), not in turn.
    assert "balance leastconn" in lines
    # The stats readers (bench/measure.py haproxy-stats, test_two_nodes.node_is_up) find
    # the servers in the backend "nodes".
    assert "backend nodes" in lines
    assert [line for line in lines if line.startswith("server ")] == [
        "server node1 127.0.0.1:18081 check inter 2s maxconn 2",
        "server node2 127.0.0.1:18082 check inter 2s maxconn 2",
    ]


def test_the_bench_writes_no_haproxy_configuration_of_its_own():
    # A second copy in bench/run.sh would drift from the one the two-node test checks.
    script = (ROOT / "bench" / "run.sh").read_text()
    assert '"$PY" bench/haproxy.py' in script
    assert "backend nodes" not in script
    assert "balance " not in script
