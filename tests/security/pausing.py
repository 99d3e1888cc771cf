"""Two people at one moment (the race tests): each acts in a thread on a database connection
of their own, and one transaction can be held at a chosen point while another acts."""

import threading

from django.db import connection, connections


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


class People:
    """Each person acts in a thread of their own, on a database connection of their own."""

    def __init__(self):
        self.outcome = {}
        self.threads = []

    def start(self, name, action):
        def run():
            try:
                self.outcome[name] = action()
            except Exception as error:  # noqa: BLE001 - handed back to the test
                self.outcome[name] = error
            finally:
                connections.close_all()

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        self.threads.append(thread)
        return thread

    def finish(self):
        for thread in self.threads:
            thread.join(60)
            assert not thread.is_alive(), "a person's request hung"
        return self.outcome


def while_paused(monkeypatch, owner, name, first, second, *, before=True, wait=5.0):
    """`first` runs until `owner.name` pauses it; `second` then runs on another connection
    (given `wait` seconds to finish: on PostgreSQL it may be waiting for `first`'s locks);
    then `first` goes on. Returns the outcome {"first": ..., "second": ...}."""
    reached, go_on = paused(monkeypatch, owner, name, before=before)
    people = People()
    people.start("first", first)
    assert reached.wait(10), "the first person never reached the pause"
    people.start("second", second).join(wait)
    go_on.set()
    return people.finish()


def sqlite_lock_refusal(result):
    """SQLite only: the second writer was refused at once ("database table is locked"), as an
    exception from a service, or as the site's 503 "database unavailable" page (or a 500
    whose exception says so)."""
    if connection.vendor != "sqlite":
        return False
    if isinstance(result, Exception):
        return "locked" in str(result)
    status = getattr(result, "status_code", None)
    if status == 503:  # the site's answer to an OperationalError: "database unavailable"
        return True
    exc_info = getattr(result, "exc_info", None)
    return status == 500 and bool(exc_info) and "locked" in str(exc_info[1])


def run_at_once(targets, timeout=120):
    """Each callable in a thread of its own, all started together; the exceptions raised."""
    errors = []

    def wrap(target):
        try:
            target()
        except Exception as error:  # noqa: BLE001 - collected for the assertion
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=wrap, args=(target,)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    return errors
