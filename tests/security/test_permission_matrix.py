"""Every role × every admin model × view / add / change / delete, as the admin decides it."""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, Group
from django.test import RequestFactory

from feedback.models import Idea
from networks.models import ContactPerson
from programme.models import MeasureStatus
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

EDITOR_EXCEPTIONS = {  # what the admin forbids everyone, superusers included
    ("barometer.response", "add"),
    ("barometer.response", "change"),
    ("feedback.idea", "add"),
    ("axes.accessattempt", "add"),  # lockout records come from failed logins only
    ("axes.accessfailurelog", "add"),
    ("axes.accesslog", "add"),
}
CONTACT_ALLOWED = {
    ("networks.network", "view"),
    ("networks.event", "view"),
    ("programme.programme", "view"),
    ("programme.measure", "view"),
    ("programme.assessmentround", "view"),
    ("programme.measurestatus", "view"),
    ("programme.measurestatus", "add"),
    ("programme.measurestatus", "change"),
    ("feedback.idea", "view"),
    ("feedback.idea", "change"),
}
OUR_APPS = {"networks", "programme", "barometer", "feedback", "kumppanuus"}
ACTIONS = ["view", "add", "change", "delete"]


def admin_models():
    return sorted(
        (f"{model._meta.app_label}.{model._meta.model_name}", model, model_admin)
        for model, model_admin in admin.site._registry.items()
    )


def expected(role, label, action):
    app = label.split(".")[0]
    if role == "anonymous":
        return False
    if role == "superuser":
        return (label, action) not in EDITOR_EXCEPTIONS
    if role == "editor":
        return app in OUR_APPS and (label, action) not in EDITOR_EXCEPTIONS
    return (label, action) in CONTACT_ALLOWED


@pytest.fixture
def users(demo_data):
    User = get_user_model()
    contact_b = UserFactory(username="yhteys-b")
    contact_b.groups.add(Group.objects.get(name="Yhteyshenkilöt"))
    ContactPerson.objects.filter(email="jussi.makela@example.fi").update(user=contact_b)
    return {
        "anonymous": AnonymousUser(),
        "contact_a": User.objects.get(username="yhteyshenkilo"),
        "contact_b": contact_b,
        "editor": User.objects.get(username="toimittaja"),
        "superuser": User.objects.create_superuser("paakayttaja", "p@example.fi", "x-salasana-1"),
    }


def allowed(model_admin, user, action, obj=None):
    request = RequestFactory().get("/admin/")
    request.user = user
    if action == "add":
        return model_admin.has_add_permission(request)
    return getattr(model_admin, f"has_{action}_permission")(request, obj)


@pytest.mark.parametrize("role", ["anonymous", "contact_a", "contact_b", "editor", "superuser"])
def test_model_level_permissions(users, role):
    wrong = [
        (label, action, allowed(model_admin, users[role], action), expected(role, label, action))
        for label, _model, model_admin in admin_models()
        for action in ACTIONS
        if allowed(model_admin, users[role], action) != expected(role, label, action)
    ]
    assert not wrong, wrong


def test_the_matrix_covers_every_model(users):
    labels = {label for label, _m, _a in admin_models()}
    assert {
        "programme.measurestatus",
        "feedback.idea",
        "barometer.survey",
        "kumppanuus.annualreview",
        "networks.network",
        "auth.user",
    } <= labels


@pytest.mark.parametrize(
    "role, network, year, can_change",
    [
        ("contact_a", "matkailu", 2021, True),
        ("contact_a", "jarjestot", 2021, False),
        ("contact_a", "matkailu", 2020, False),
        ("contact_b", "matkailu", 2021, False),
        ("contact_b", "jarjestot", 2021, True),
        ("editor", "jarjestot", 2021, True),
        ("editor", "matkailu", 2020, False),  # a closed round is frozen for everyone
    ],
)
def test_status_rows_object_level(users, role, network, year, can_change):
    status = MeasureStatus.objects.filter(network__slug=network, round__year=year).first()
    model_admin = admin.site._registry[MeasureStatus]
    assert allowed(model_admin, users[role], "change", status) is can_change
    assert allowed(model_admin, users[role], "delete", status) is (role == "editor")


def test_contact_persons_see_only_their_own_rows_and_ideas(users):
    request = RequestFactory().get("/admin/")
    request.user = users["contact_b"]
    statuses = admin.site._registry[MeasureStatus].get_queryset(request)
    assert set(statuses.values_list("network__slug", flat=True)) <= {"jarjestot", "kulttuuri"}
    ideas = admin.site._registry[Idea].get_queryset(request)
    assert not ideas.exclude(forwarded_to__slug__in=["jarjestot", "kulttuuri"]).exists()
