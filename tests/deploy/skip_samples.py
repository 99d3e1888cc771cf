"""Run only by test_skip_allowlist.py (not collected on its own: no test_ prefix)."""

import pytest


@pytest.mark.skip(reason="this one needs PostgreSQL full-text search")
def test_allowed_skip():
    pass


@pytest.mark.skip(reason="Redis is not running on 127.0.0.1:6379")
def test_unlisted_skip():
    pass


def test_passes():
    pass
