"""Attacks on the mail guarantee: every email goes through networks.mail.emails_send, one message
after another over one connection, and a mail server failing midway is told exactly (who got
theirs, who did not), in Finnish, without a 500 and without a recipient's address in any log.

The fake servers below fail in the ways real ones do: refusing at the first message, after N
messages, on open(), on close() after everything went, answering 0 without raising, raising
smtplib errors whose text names the recipients, timing out. What a fake server took is in
django.core.mail.outbox, as with the test backend.

The first run found two holes, both fixed: with two open rounds, the reminders of each round
went as a batch of their own, so a failure in one was told without the other (the count wrong,
the later round's contacts neither reminded nor named); and the password reset mail went
through Django's own sending, which logs the SMTP error's text with the address."""

import io
import logging
import re
import smtplib
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import CommandError, call_command
from django.test import Client

from feedback.models import Idea
from networks.models import ContactPerson, Network
from programme import services
from programme.models import AssessmentRound
from tests.security.accounts import PASSWORD, SETUP, new_editor

pytestmark = pytest.mark.django_db

HERE = "tests.security.test_attacks_mail_failures"
ROUNDS = "/admin/programme/assessmentround/"
CONTACTS = "/admin/networks/contactperson/"
FORM = "/kehittamisideat/"
FULL_FAILURE = "Muistutuksia ei voitu lähettää."
REFUSED = "Sähköpostipalvelin ei ottanut viestiä vastaan."
NOTIFY = "toimitus-canary@example.org"


def _error(kind, recipients):
    """The error a failing server raises; the smtplib ones name the recipients in their text,
    as real SMTP refusals do."""
    named = ", ".join(recipients)
    if kind == "refused":
        return smtplib.SMTPRecipientsRefused(
            {r: (550, f"5.1.1 <{r}>: Recipient address rejected".encode()) for r in recipients}
        )
    if kind == "data":
        return smtplib.SMTPDataError(554, f"5.7.1 message to {named} rejected as spam")
    if kind == "disconnected":
        return smtplib.SMTPServerDisconnected(f"Connection closed while sending to {named}")
    if kind == "timeout":  # a slow server: EMAIL_TIMEOUT passed (simulated, no sleep)
        return TimeoutError(f"timed out sending to {named}")
    return ConnectionResetError(f"Connection reset by peer (recipients {named})")


class ScriptedServer(BaseEmailBackend):
    """A mail server that takes `takes` messages in all (None: every one) and then refuses:
    `refusal` "raise" raises an error of `kind`, "zero" answers 0 without raising.
    `open_fails` / `close_fails`: the connection cannot be opened / closed."""

    takes = None
    refusal = "raise"
    kind = "reset"
    open_fails = False
    close_fails = False
    seen = []  # every recipient ever offered, for the errors' texts

    def open(self):
        if self.open_fails:
            raise smtplib.SMTPConnectError(421, "4.3.2 Service not available, closing channel")
        return True

    def close(self):
        if self.close_fails:
            raise _error("disconnected", type(self).seen)

    def send_messages(self, email_messages):
        taken = 0
        for message in email_messages:
            type(self).seen.extend(message.to)
            if self.takes is not None and len(mail.outbox) >= self.takes:
                if self.refusal == "zero":
                    return taken
                raise _error(self.kind, message.to)
            mail.outbox.append(message)
            taken += 1
        return taken


@pytest.fixture
def server(settings, monkeypatch):
    """Point EMAIL_BACKEND at the scripted server, configured by keyword."""

    defaults = {"takes": None, "refusal": "raise", "kind": "reset"}
    defaults |= {"open_fails": False, "close_fails": False}

    def configure(**plan):
        monkeypatch.setattr(ScriptedServer, "seen", [])
        for name, value in (defaults | plan).items():
            assert hasattr(ScriptedServer, name), name
            monkeypatch.setattr(ScriptedServer, name, value)
        settings.EMAIL_BACKEND = f"{HERE}.ScriptedServer"

    return configure


@pytest.fixture
def logs(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


def no_address_in(text):
    """Every '@'-address-looking piece in `text` (should be none)."""
    return re.findall(r"[\w.+-]+@[\w-]+\.[\w.]+", text)


# --- Reminders ----------------------------------------------------------------------------------


@pytest.fixture
def open_round(demo_data):
    """2021, open; every one of the demo's 13 networks is behind. Mikko Lahtinen and Kaisa
    Laine share luonnonvarat; Aino, Jussi, Kaisa, Mikko and Tuomas are contacts of two
    lagging networks each. Added: a second contact of matkailu (beside Laura Nieminen), and a
    contact of matkailu with no address."""
    matkailu = Network.objects.get(slug="matkailu")
    ContactPerson.objects.create(name="Bertta Toinen", email="bertta.toinen@example.fi")
    ContactPerson.objects.get(name="Bertta Toinen").networks.add(matkailu)
    ContactPerson.objects.create(name="Oskari Osoitteeton", email="")
    ContactPerson.objects.get(name="Oskari Osoitteeton").networks.add(matkailu)
    return AssessmentRound.objects.get(year=2021)


def reminder_plan(assessment_round):
    """(name, address) of each reminder, in the order they go."""
    reminders = services.reminders_send(rounds=[assessment_round], user=None, dry_run=True)
    by_address = {c.email: c.name for c in ContactPerson.objects.exclude(email="")}
    return [(by_address[r.message.to[0]], r.message.to[0]) for r in reminders]


def editor_reminds(rounds):
    """The editor's admin action on `rounds`; the texts of the messages the page shows."""
    client = Client(raise_request_exception=False)
    client.force_login(get_user_model().objects.get(username="toimittaja"))
    response = client.post(
        ROUNDS,
        {"action": "send_reminders", "_selected_action": [r.pk for r in rounds]},
        follow=True,
    )
    assert response.status_code == 200, response.status_code
    return [str(m) for m in get_messages(response.wsgi_request)] or [
        str(m) for m in response.context["messages"]
    ]


def operator_reminds():
    """`manage.py send_assessment_reminders`: (stdout, the CommandError's text or None). Any
    other exception is what manage.py would print as a traceback: it propagates."""
    out = io.StringIO()
    try:
        call_command("send_assessment_reminders", stdout=out, stderr=io.StringIO())
    except CommandError as error:
        return out.getvalue(), str(error)
    return out.getvalue(), None


def went(count):
    """The start of the refusal that says how many reminders the server took."""
    return f"Lähti {count} muistutus{'' if count == 1 else 'ta'}; ei lähtenyt:"


def unsent_names(text):
    match = re.search(r"ei lähtenyt: (.*?)\. Sähköpostipalvelin", text)
    return match.group(1).split(", ") if match else None


def reached():
    return [address for message in mail.outbox for address in message.to]


def test_the_demo_round_covers_shared_networks_and_one_message_per_person(open_round):
    plan = reminder_plan(open_round)
    names = [name for name, _ in plan]
    assert len(names) == len(set(names)) == 10  # 9 demo contacts + Bertta; Oskari has none
    assert "Oskari Osoitteeton" not in names
    assert {"Mikko Lahtinen", "Kaisa Laine", "Laura Nieminen", "Bertta Toinen"} <= set(names)


PARTIAL = [
    pytest.param({"takes": 1}, id="refuses-after-1"),
    pytest.param({"takes": 3, "kind": "refused"}, id="smtp-refused-naming-recipient-after-3"),
    pytest.param({"takes": 4, "refusal": "zero"}, id="answers-0-after-4"),
    pytest.param({"takes": 5, "kind": "timeout"}, id="slow-times-out-after-5"),
    pytest.param({"takes": 6, "kind": "data"}, id="smtp-data-error-after-6"),
    pytest.param({"takes": 9, "kind": "disconnected"}, id="last-one-disconnected"),
    pytest.param({"takes": 2, "close_fails": True}, id="after-2-and-close-fails-too"),
]


@pytest.mark.parametrize("plan", PARTIAL)
def test_editor_is_told_exactly_who_did_not_get_a_reminder(open_round, server, logs, plan):
    everyone = reminder_plan(open_round)
    server(**plan)
    shown = " ".join(editor_reminds([open_round]))
    taken = plan["takes"]
    assert reached() == [address for _, address in everyone[:taken]]
    assert went(taken) in shown, shown
    assert unsent_names(shown) == [name for name, _ in everyone[taken:]], shown
    assert REFUSED in shown
    assert no_address_in(shown) == []
    assert no_address_in(logs.text) == [], logs.text


@pytest.mark.parametrize("plan", PARTIAL)
def test_operator_is_told_exactly_who_did_not_get_a_reminder(open_round, server, logs, plan):
    everyone = reminder_plan(open_round)
    server(**plan)
    _out, error = operator_reminds()
    taken = plan["takes"]
    assert reached() == [address for _, address in everyone[:taken]]
    assert error is not None and went(taken) in error
    assert unsent_names(error) == [name for name, _ in everyone[taken:]], error
    assert no_address_in(error) == []
    assert no_address_in(logs.text) == [], logs.text


FULL = [
    pytest.param({"takes": 0}, id="refuses-the-first"),
    pytest.param({"takes": 0, "refusal": "zero"}, id="answers-0-at-first"),
    pytest.param({"takes": 0, "kind": "refused"}, id="smtp-refused-first"),
    pytest.param({"open_fails": True}, id="open-fails"),
    pytest.param({"open_fails": True, "close_fails": True}, id="open-and-close-fail"),
]


@pytest.mark.parametrize("plan", FULL)
def test_a_full_failure_says_none_went(open_round, server, logs, plan):
    server(**plan)
    shown = " ".join(editor_reminds([open_round]))
    assert FULL_FAILURE in shown and "lähti" not in shown, shown
    _out, error = operator_reminds()
    assert error is not None and FULL_FAILURE in error
    assert mail.outbox == []
    assert no_address_in(shown + error + logs.text) == [], logs.text


def test_close_failing_after_everything_went_is_a_success(open_round, server, logs):
    everyone = reminder_plan(open_round)
    server(close_fails=True)
    shown = " ".join(editor_reminds([open_round]))
    assert shown == f"{len(everyone)} muistutusta lähetetty.", shown
    assert reached() == [address for _, address in everyone]
    mail.outbox.clear()
    out, error = operator_reminds()
    assert error is None and f"Muistutuksia lähetetty: {len(everyone)}." in out
    assert no_address_in(logs.text) == [], logs.text


def test_one_connection_for_the_whole_run(open_round, settings, monkeypatch):
    opened = []

    class Counting(ScriptedServer):
        def open(self):
            opened.append(self)
            return True

    monkeypatch.setattr(f"{HERE}.ScriptedServer.open", Counting.open)
    settings.EMAIL_BACKEND = f"{HERE}.ScriptedServer"
    assert len(editor_reminds([open_round])) == 1
    assert len(opened) == 1 and len(mail.outbox) == 10


def test_a_contact_without_an_address_is_neither_mailed_nor_named(open_round, server):
    """Oskari (matkailu, no address) gets no reminder in any case; the editor's messages never
    mention him. Recorded as it is: the promise names the people whose mail failed, and his
    was never attempted (see the report: a lagging network's contact who cannot be reminded
    is not told to the editor)."""
    server(takes=0)
    shown = " ".join(editor_reminds([open_round]))
    assert "Oskari" not in shown
    server(takes=None)
    shown = " ".join(editor_reminds([open_round]))
    assert shown == "10 muistutusta lähetetty." and "Oskari" not in shown


def test_the_real_smtp_backend_cut_short_names_the_rest(open_round, settings, monkeypatch, logs):
    """Django's own SMTP backend over a fake smtplib connection that refuses the fourth
    recipient with an error naming them, then drops the connection on QUIT."""
    taken = []

    class FakeSMTP:
        def __init__(self, host, port, **kwargs):
            pass

        def sendmail(self, from_addr, to_addrs, msg):
            if len(taken) >= 3:
                raise _error("refused", to_addrs)
            taken.extend(to_addrs)
            return {}

        def quit(self):
            raise smtplib.SMTPServerDisconnected(f"lost while saying bye to {taken}")

        def close(self):
            pass

    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    everyone = reminder_plan(open_round)
    shown = " ".join(editor_reminds([open_round]))
    assert taken == [address for _, address in everyone[:3]]
    assert unsent_names(shown) == [name for name, _ in everyone[3:]], shown
    assert no_address_in(shown + logs.text) == []


@pytest.fixture
def two_open_rounds(open_round):
    """The editor opens a round for 2018 too (the programme's first year, an ordinary admin
    step; 2019 and 2020 are frozen by published reviews): two rounds open, both behind."""
    services.round_create(programme=open_round.programme, year=2018)
    rounds = list(AssessmentRound.objects.open().order_by("-year"))
    assert [r.year for r in rounds] == [2021, 2018]
    assert len(reminder_plan(rounds[1])) == 10
    return rounds


def _both_plans(rounds):
    return [item for r in rounds for item in reminder_plan(r)]


def test_two_open_rounds_second_refused_at_first_says_none_went(two_open_rounds, server):
    server(takes=10)  # all of 2021's ten, then none of 2020's
    shown = " ".join(editor_reminds(two_open_rounds))
    assert len(mail.outbox) == 10
    assert FULL_FAILURE not in shown, shown


def test_two_open_rounds_cut_short_in_the_first_names_everyone_unsent(two_open_rounds, server):
    everyone = _both_plans(two_open_rounds)
    server(takes=3)
    shown = " ".join(editor_reminds(two_open_rounds))
    assert reached() == [address for _, address in everyone[:3]]
    named = unsent_names(shown)  # a person behind in both rounds is named once
    assert sorted(named) == sorted(dict.fromkeys(name for name, _ in everyone[3:])), shown


def test_two_open_rounds_operator_count_is_the_whole_run(two_open_rounds, server):
    server(takes=12)
    _out, error = operator_reminds()
    assert len(mail.outbox) == 12
    assert error is not None and went(12) in error, error


def test_two_open_rounds_operator_names_every_unsent(two_open_rounds, server):
    everyone = _both_plans(two_open_rounds)
    server(takes=3)
    _out, error = operator_reminds()
    named = unsent_names(error)
    assert sorted(named) == sorted(dict.fromkeys(name for name, _ in everyone[3:])), error


def test_two_open_rounds_all_going_is_counted(two_open_rounds, server):
    everyone = _both_plans(two_open_rounds)
    server()
    shown = " ".join(editor_reminds(two_open_rounds))
    assert shown == f"{len(everyone)} muistutusta lähetetty."


# --- Ideas from the public form -----------------------------------------------------------------


def idea(**changes):
    return {
        "topic": "verkkosivut",
        "message": f"Postipalvelin kaatuu {uuid.uuid4()}",
        "name": "Maija Kanarialintu",
        "email": "maija-canary@example.org",
        "organisation": "Turun kaupunki",
        "consent_to_contact": "on",
        "submission_token": str(uuid.uuid4()),
        **changes,
    }


IDEA_FAILURES = [
    pytest.param({"takes": 0}, id="refuses-first"),
    pytest.param({"takes": 0, "kind": "refused"}, id="smtp-refused-naming"),
    pytest.param({"takes": 1, "kind": "refused"}, id="notice-went-receipt-refused"),
    pytest.param({"takes": 0, "refusal": "zero"}, id="answers-0"),
    pytest.param({"takes": 1, "kind": "timeout"}, id="slow"),
    pytest.param({"open_fails": True}, id="open-fails"),
    pytest.param({"close_fails": True}, id="close-fails-after-all"),
]


@pytest.mark.parametrize("plan", IDEA_FAILURES)
def test_an_idea_is_stored_and_thanked_whatever_the_mail_server_does(
    demo_data, server, settings, logs, plan
):
    settings.FEEDBACK_NOTIFY_EMAILS = [NOTIFY]
    server(**plan)
    before = Idea.objects.count()
    data = idea()
    client = Client(raise_request_exception=False)
    response = client.post(FORM, data, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain and response.redirect_chain[-1][1] == 302
    assert "kiitos" in response.redirect_chain[-1][0]
    assert Idea.objects.count() == before + 1
    assert Idea.objects.filter(message=data["message"]).count() == 1
    assert no_address_in(logs.text) == [], logs.text
    assert "Kanarialintu" not in logs.text
    again = client.post(FORM, data)  # the same form again: not stored twice
    assert again.status_code == 302 and Idea.objects.count() == before + 1


def test_a_forwarded_idea_survives_a_failing_server(demo_data, server, logs):
    from feedback.services import idea_forward

    target = Idea.objects.first()
    network = Network.objects.get(slug="luonnonvarat")  # two contact persons
    server(takes=0, kind="refused")
    assert idea_forward(idea=target, network=network) is True
    target.refresh_from_db()
    assert target.forwarded_to == network
    assert no_address_in(logs.text) == [], logs.text


# --- Invitations --------------------------------------------------------------------------------

INVITE_FAILURES = [
    pytest.param({"takes": 0}, id="refuses"),
    pytest.param({"takes": 0, "kind": "refused"}, id="smtp-refused-naming"),
    pytest.param({"takes": 0, "refusal": "zero"}, id="answers-0"),
    pytest.param({"takes": 0, "kind": "timeout"}, id="slow"),
    pytest.param({"open_fails": True}, id="open-fails"),
]


@pytest.mark.parametrize("plan", INVITE_FAILURES)
def test_an_unsent_invitation_creates_no_account(demo_data, server, logs, plan):
    editor = Client(raise_request_exception=False)
    editor.force_login(get_user_model().objects.get(username="toimittaja"))
    contacts = list(ContactPerson.objects.filter(user=None).exclude(email="")[:2])
    users_before = get_user_model().objects.count()
    server(**plan)
    response = editor.post(
        CONTACTS, {"action": "invite", "_selected_action": [c.pk for c in contacts]}, follow=True
    )
    assert response.status_code == 200
    shown = " ".join(str(m) for m in response.context["messages"])
    for contact in contacts:
        assert f"Kutsua ei voitu lähettää henkilölle {contact.name}." in shown, shown
        contact.refresh_from_db()
        assert contact.user is None
    assert get_user_model().objects.count() == users_before
    assert "Kutsu lähetetty" not in shown
    assert no_address_in(shown + logs.text) == [], logs.text


def test_an_invitation_that_went_before_close_failed_creates_the_account(demo_data, server):
    editor = Client(raise_request_exception=False)
    editor.force_login(get_user_model().objects.get(username="toimittaja"))
    contact = ContactPerson.objects.filter(user=None).exclude(email="").first()
    server(close_fails=True)
    response = editor.post(
        CONTACTS, {"action": "invite", "_selected_action": [contact.pk]}, follow=True
    )
    assert "Kutsu lähetetty" in response.content.decode()
    contact.refresh_from_db()
    assert contact.user is not None and mail.outbox[-1].to == [contact.email]


def test_a_second_invitation_cut_short_keeps_the_first(demo_data, server):
    """Two contacts invited, the server takes one: exactly the first has an account."""
    editor = Client(raise_request_exception=False)
    editor.force_login(get_user_model().objects.get(username="toimittaja"))
    first, second = ContactPerson.objects.filter(user=None).exclude(email="").order_by("pk")[:2]
    server(takes=1, kind="refused")
    response = editor.post(
        CONTACTS, {"action": "invite", "_selected_action": [first.pk, second.pk]}, follow=True
    )
    assert response.status_code == 200
    first.refresh_from_db()
    second.refresh_from_db()
    sent_to = reached()
    assert (first.user is not None) == (first.email in sent_to)
    assert (second.user is not None) == (second.email in sent_to)
    assert len(sent_to) == 1


# --- The second factor's mailbox code -----------------------------------------------------------


@pytest.mark.parametrize(
    "plan",
    [
        pytest.param({"takes": 0, "kind": "refused"}, id="smtp-refused-naming"),
        pytest.param({"takes": 0, "refusal": "zero"}, id="answers-0"),
        pytest.param({"takes": 0, "kind": "timeout"}, id="slow"),
        pytest.param({"open_fails": True}, id="open-fails"),
    ],
)
def test_the_mailbox_code_failing_is_a_finnish_message(db, server, logs, plan):
    new_editor("postiton", email="postiton-canary@example.org")
    client = Client(raise_request_exception=False)
    assert client.login(username="postiton", password=PASSWORD)
    server(**plan)
    response = client.post(SETUP, {"send": "1"})
    page = response.content.decode()
    assert response.status_code == 503
    assert "Koodia ei lähetetty. Sähköpostipalvelin ei ottanut" in page
    assert "postiton-canary@example.org" not in page
    assert no_address_in(logs.text) == [], logs.text
    server()  # the server is back: a code may be asked at once
    assert client.post(SETUP, {"send": "1"}).status_code == 200
    assert reached() == ["postiton-canary@example.org"]


def test_the_mailbox_code_that_went_before_close_failed_is_sent(db, server):
    new_editor("postiton", email="postiton-canary@example.org")
    client = Client(raise_request_exception=False)
    assert client.login(username="postiton", password=PASSWORD)
    server(close_fails=True)
    assert client.post(SETUP, {"send": "1"}).status_code == 200
    assert reached() == ["postiton-canary@example.org"]


# --- Mail that does not go through emails_send --------------------------------------------------


def test_a_password_reset_the_server_refuses_logs_no_address(demo_data, server, logs):
    account = get_user_model().objects.get(username="toimittaja")
    address = account.email
    assert address and account.has_usable_password()
    server(takes=0, kind="refused")
    response = Client(raise_request_exception=False).post("/admin/salasana/", {"email": address})
    assert response.status_code == 302  # no 500, no hint whether the address exists: fine
    assert no_address_in(logs.text) == [], logs.text
