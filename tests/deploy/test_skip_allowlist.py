"""Under CI a skip that pyproject.toml's allowed-skips does not list fails the run."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = "tests/deploy/skip_samples.py"


def run_samples(selection, ci, database_url=None):
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "DATABASE_URL")}
    if ci:
        env["CI"] = "true"
    if database_url:  # the samples touch no database: only the run's vendor matters
        env["DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "-m", "pytest", SAMPLES, "-q", "-k", selection, "-p", "no:randomly"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_an_unlisted_skip_fails_the_ci_run():
    result = run_samples("unlisted or passes", ci=True)
    assert result.returncode == pytest.ExitCode.TESTS_FAILED, result.stdout
    assert "Redis is not running" in result.stdout
    assert "fail the CI run" in result.stdout


def test_a_listed_skip_passes_the_ci_run():
    result = run_samples("allowed or passes", ci=True)
    assert result.returncode == 0, result.stdout
    assert "SKIPPED" in result.stdout  # -rs lists it with its reason


def test_outside_ci_an_unlisted_skip_only_warns():
    result = run_samples("unlisted or passes", ci=False)
    assert result.returncode == 0, result.stdout
    assert "would fail CI" in result.stdout


def test_a_sqlite_only_skip_fails_the_postgresql_run():
    result = run_samples("allowed or passes", ci=True, database_url="postgres://u@127.0.0.1:1/x")
    assert result.returncode == pytest.ExitCode.TESTS_FAILED, result.stdout
    assert "needs PostgreSQL" in result.stdout
