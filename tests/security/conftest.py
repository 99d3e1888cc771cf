import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from networks.models import ContactPerson
from tests.factories import UserFactory

ROLES = ["anonymous", "contact_a", "contact_b", "editor", "superuser"]


@pytest.fixture
def staff(demo_data):
    """Every role as a user (None = anonymous). Contact A: Matkailufoorumi (matkailu);
    contact B: Järjestöverkosto and Kulttuuri (jarjestot, kulttuuri)."""
    User = get_user_model()
    contact_b = UserFactory(username="yhteys-b")
    contact_b.groups.add(Group.objects.get(name="Yhteyshenkilöt"))
    ContactPerson.objects.filter(email="jussi.makela@example.fi").update(user=contact_b)
    return {
        "anonymous": None,
        "contact_a": User.objects.get(username="yhteyshenkilo"),
        "contact_b": contact_b,
        "editor": User.objects.get(username="toimittaja"),
        "superuser": User.objects.create_superuser("paakayttaja", "p@example.fi", "x-salasana-1"),
    }


@pytest.fixture
def as_role(client, staff):
    def login(role):
        client.logout()
        if staff[role] is not None:
            client.force_login(staff[role])
        return client

    return login


@pytest.fixture
def lockout_rows(staff):
    """One row in each of axes' tables, so their object URLs are walked too."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    common = {"user_agent": "testi", "ip_address": "192.0.2.1", "username": "toimittaja"}
    AccessAttempt.objects.create(failures_since_start=1, **common)
    AccessLog.objects.create(**common)
    AccessFailureLog.objects.create(**common)
