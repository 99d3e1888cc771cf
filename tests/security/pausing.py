"""Holding one transaction at a chosen point while another connection acts (the race tests)."""

import threading


def paused(monkeypatch, owner, name, *, before=False):
    """Make `owner.name` stop, before or after doing its work, until the test lets it go on.
    Returns (reached, go_on): `reached` is set when it stops, `go_on` is the test's to set."""
    reached, go_on = threading.Event(), threading.Event()
    original = getattr(owner, name)

    def pausing(*args, **kwargs):
        if before:
            reached.set()
            go_on.wait(10)
        result = original(*args, **kwargs)
        if not before:
            reached.set()
            go_on.wait(10)
        return result

    monkeypatch.setattr(owner, name, pausing)
    return reached, go_on
