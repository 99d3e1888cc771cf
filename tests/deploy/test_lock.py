"""The lock files say exactly what pyproject.toml asks for. Another change to the dependencies
in pyproject.toml fails here until `make lock` is run and its result committed."""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
RUNTIME = [Requirement(r) for r in PYPROJECT["dependencies"]]
DEV = [Requirement(r) for r in PYPROJECT["optional-dependencies"]["dev"]]
LOCKS = {"requirements.txt": RUNTIME, "requirements-dev.txt": RUNTIME + DEV}


def parse_lock(name):
    """{package: (version, number of hashes, named directly by pyproject.toml)}."""
    text = (ROOT / name).read_text()
    entries = {}
    for block in re.split(r"\n(?=\S)", text):
        match = re.match(r"([A-Za-z0-9._-]+)==(\S+)", block)
        if not match:
            continue
        direct = "kumppanuusportaali (pyproject.toml)" in block
        hashes = len(re.findall(r"--hash=sha256:[0-9a-f]{64}", block))
        entries[canonicalize_name(match.group(1))] = (match.group(2), hashes, direct)
    return entries


@pytest.mark.parametrize("lock", LOCKS)
def test_every_dependency_is_locked_within_its_range(lock):
    locked = parse_lock(lock)
    for requirement in LOCKS[lock]:
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{name} is in pyproject.toml but not in {lock}: run make lock"
        version = locked[name][0]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{lock} has {name}=={version}, pyproject.toml asks {requirement.specifier}: "
            "run make lock"
        )
        for extra in requirement.extras:  # psycopg[binary] → psycopg-binary
            assert canonicalize_name(f"{name}-{extra}") in locked, f"{name}[{extra}] in {lock}"


@pytest.mark.parametrize("lock", LOCKS)
def test_nothing_is_locked_that_pyproject_no_longer_asks_for(lock):
    asked = {canonicalize_name(r.name) for r in LOCKS[lock]}
    direct = {name for name, (_v, _h, is_direct) in parse_lock(lock).items() if is_direct}
    assert direct == asked, f"{lock} differs from pyproject.toml: run make lock"


@pytest.mark.parametrize("lock", LOCKS)
def test_every_locked_package_is_pinned_with_hashes(lock):
    entries = parse_lock(lock)
    assert entries
    unhashed = [name for name, (_v, hashes, _d) in entries.items() if hashes == 0]
    assert not unhashed, f"{lock}: no hash for {unhashed}"
    text = (ROOT / lock).read_text()
    loose = [line for line in text.splitlines() if re.match(r"[A-Za-z]", line) and "==" not in line]
    assert not loose, loose


def test_runtime_lock_agrees_with_the_dev_lock():
    """The image runs the versions the tests ran."""
    dev = parse_lock("requirements-dev.txt")
    for name, (version, _h, _d) in parse_lock("requirements.txt").items():
        assert dev[name][0] == version, name


def test_make_and_ci_install_from_the_lock():
    makefile = (ROOT / "Makefile").read_text()
    assert "--require-hashes -r requirements-dev.txt" in makefile
    assert '".[dev]"' not in makefile
    assert "make test" in (ROOT / ".ci" / "run").read_text()
