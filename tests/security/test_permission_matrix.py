"""Every admin URL (from admin.site._registry and each ModelAdmin's get_urls(), plus the
site's own URLs) and every admin action × every role × GET and POST, against forged ids
(another network's row, a closed round's row). The expected outcomes are data in
permission_matrix_data.py; a URL or action with no entry there fails the test."""

import os

import pytest
from django.contrib import admin
from django.core import mail
from django.db import connection, transaction
from django.urls import reverse

from .admin_walk import model_probes, site_probes
from .conftest import ROLES
from .permission_matrix_data import EXPECTED

pytestmark = pytest.mark.django_db
METHODS = ["GET", "POST"]


def resolve(spec, method, target):
    while isinstance(spec, dict):
        if method in spec:
            spec = spec[method]
        elif target in spec:
            spec = spec[target]
        else:
            spec = spec["*"]
    return spec


def fingerprint(models):
    """What a refused request must leave as it was: every admin model's row count and the
    probed models' rows."""
    rows = tuple(tuple(m._default_manager.order_by("pk").values_list()) for m in models)
    return row_counts(), rows


def row_counts():
    """The row count of every admin model's table (all rows, whatever a manager hides), in one
    query: each POST probe is fingerprinted twice, and one COUNT per table was most of the
    matrix's time on PostgreSQL."""
    quote = connection.ops.quote_name
    tables = sorted({model._meta.db_table for model in admin.site._registry})
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(t)})" for t in tables))
        return cursor.fetchone()


def outcome(response, label="site"):
    location = response.get("Location", "")
    if response.status_code == 302 and location.startswith(reverse("admin:login")):
        return "login"
    if response.status_code in (403, 404, 405):
        return "deny"
    if label != "site" and response.status_code == 302 and location == reverse("admin:index"):
        return "deny"  # the admin's "object does not exist / no permission" redirect
    if response.status_code in (200, 302, 400):
        return "allow"
    return f"status {response.status_code}"


def offered_actions(client, probe):
    """(the changelist's outcome, whether it offers the probe's action)"""
    page = client.get(probe.url)
    form = page.context.get("action_form") if page.status_code == 200 and page.context else None
    choices = {name for name, _label in form.fields["action"].choices} if form else set()
    return outcome(page, probe.label), probe.action in choices


def probe_once(client, probe, method):
    """One request inside a rolled-back savepoint: (outcome, database changed by a POST)."""
    with transaction.atomic():
        mail.outbox = []
        before = fingerprint(probe.models) if method == "POST" else None
        if probe.action:
            # offered on the changelist page; a POST of an action not offered must change nothing
            page, offered = offered_actions(client, probe)
            if method == "GET":
                result = "login" if page == "login" else ("allow" if offered else "deny")
                changed = False
            else:
                response = outcome(client.post(probe.url, probe.data), probe.label)
                result = "login" if response == "login" else ("allow" if offered else "deny")
                changed = fingerprint(probe.models) != before or bool(mail.outbox)
        else:
            send = client.get if method == "GET" else client.post
            response = send(probe.url, probe.data) if method == "POST" else send(probe.url)
            result = outcome(response, probe.label)
            changed = method == "POST" and fingerprint(probe.models) != before or bool(mail.outbox)
            if changed and result == "deny":
                result = "allow"  # e.g. a deletion that then redirects to the index: it happened
            if probe.kind == "delete" and method == "POST" and response.status_code == 200:
                result = "allow" if changed else "deny"  # the page again: "cannot delete"
        transaction.set_rollback(True)
    return result, changed


def all_probes():
    return [*model_probes(), *site_probes()]


@pytest.mark.parametrize("role", ROLES)
def test_every_admin_url_and_action(as_role, lockout_rows, role):
    client = as_role(role)
    missing, wrong, observed = set(), [], {}
    probes = all_probes()
    for probe in probes:
        for method in METHODS:
            if probe.key not in EXPECTED or not probe.url:
                missing.add(probe.key)
                if not probe.url:
                    continue
            if not probe.action and role != "anonymous" and probe.kind == "logout":
                continue  # logging out would end the rest of the walk; anonymous covers it
            result, changed = probe_once(client, probe, method)
            observed[(probe.key, probe.target, method)] = result
            if probe.key not in EXPECTED:
                continue
            expected = resolve(EXPECTED[probe.key][role], method, probe.target)
            if result != expected:
                wrong.append((probe.url, probe.kind, probe.target, method, expected, result))
            elif expected != "allow" and changed:
                wrong.append((probe.url, probe.kind, probe.target, method, "unchanged", "changed"))
    if os.environ.get("MATRIX_DUMP"):
        with open(f"/tmp/matrix-{role}.txt", "w") as dump:
            for key, value in sorted(observed.items(), key=str):
                dump.write(f"{key} {value}\n")
            for key in sorted(missing):
                dump.write(f"MISSING {key}\n")
    assert not missing, f"URL kinds or actions without an entry in the matrix: {sorted(missing)}"
    assert not wrong, "\n".join(map(str, wrong))


def test_the_matrix_has_no_stale_entries(lockout_rows):
    walked = {probe.key for probe in all_probes()}
    assert set(EXPECTED) - walked == set()
