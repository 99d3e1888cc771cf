"""Running it: demo summary, scheduled jobs' dry runs, `make run`'s SITE_URL, the admin's
Finnish JavaScript strings."""

import io
import subprocess
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command

from feedback.models import Idea
from networks.models import ContactPerson, Event
from programme.models import MeasureStatus

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_load_demo_prints_a_summary_computed_from_the_database():
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    text = out.getvalue()
    assert f"{MeasureStatus.objects.count()} toimenpiteen tilaa" in text
    assert f"{Event.objects.count()} tapahtumaa" in text
    Event.objects.all().delete()
    again = io.StringIO()
    call_command("load_demo", stdout=again)
    assert f"{Event.objects.count()} tapahtumaa" in again.getvalue()


@pytest.mark.django_db
def test_reminder_command_dry_run_sends_nothing(demo_data):
    out = io.StringIO()
    call_command("send_assessment_reminders", "--dry-run", stdout=out)
    assert not mail.outbox
    assert "lähetettäisiin" in out.getvalue()
    sent = io.StringIO()
    call_command("send_assessment_reminders", stdout=sent)
    assert mail.outbox
    for message in mail.outbox:  # named for the operator; the addresses stay out of cron's logs
        (address,) = message.to
        contact = ContactPerson.objects.get(email=address)
        for printed in (out.getvalue(), sent.getvalue()):
            assert f": {contact.name} ({contact.pk})" in printed
            assert address not in printed and "@" not in printed


@pytest.mark.django_db
def test_purge_dry_run_changes_nothing(demo_data, settings):
    settings.FEEDBACK_RETENTION_MONTHS = 0
    with_name = Idea.objects.exclude(name="").count()
    out = io.StringIO()
    call_command("purge_feedback_personal_data", "--dry-run", stdout=out)
    assert Idea.objects.exclude(name="").count() == with_name > 0
    assert "poistettaisiin" in out.getvalue()
    call_command("purge_feedback_personal_data", stdout=io.StringIO())
    assert Idea.objects.exclude(name="").count() == 0


@pytest.mark.parametrize(
    "env, expected",
    [
        ({}, "SITE_URL=http://127.0.0.1:8080 "),
        ({"SITE_URL": "https://portaali.example.fi"}, "SITE_URL=https://portaali.example.fi "),
    ],
)
def test_make_run_site_url_follows_port_unless_set(env, expected):
    result = subprocess.run(
        ["make", "-n", "run", "PORT=8080"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    runserver = next(line for line in result.stdout.splitlines() if "runserver" in line)
    assert expected in runserver and "127.0.0.1:8080" in runserver


@pytest.mark.django_db
def test_admin_picker_strings_are_finnish(admin_client):
    script = admin_client.get("/admin/jsi18n/").content.decode()
    assert "Valitse kaikki: %s" in script
    assert "Poista kaikki: %s" in script
