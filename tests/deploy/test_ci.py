"""What .ci/run promises, read from the script itself (running it is CI's job)."""

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CI = (ROOT / ".ci" / "run").read_text()


def test_ci_script_parses():
    subprocess.run(["bash", "-n", str(ROOT / ".ci" / "run")], check=True)


def test_ci_starts_the_services_it_needs_when_they_are_down():
    assert "pg_isready" in CI and "pg_ctlcluster" in CI
    assert "redis-cli -h 127.0.0.1 -p 6379 ping" in CI
    assert 'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save ""' in CI
    for package in ("chromium", "wrk", "nginx", "redis-server", "gettext"):
        assert f"missing+=({package})" in CI, package


def test_ci_runs_the_readme_test_command_on_both_databases_and_the_rehearsals():
    assert CI.count("run_make_test env") == 2
    assert "DATABASE_URL=postgres://" in CI
    for script in ("scripts/loadtest.py --short", "scripts/cluster.py --short"):
        assert script in CI
    assert "no tests ran" in CI  # pytest's exit 5 is reported as a failure, in words
    assert 'export CI="${CI:-true}"' in CI  # the skip allow-list is enforced
