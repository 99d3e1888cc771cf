"""Bad input is a 4xx everywhere: a form sent back with its errors answers 400, in the admin
too (Django's own admin answers 200). The add and change forms are walked from the admin
registry, so a new model admin cannot slip past; nothing a refused form carried is saved."""

import pytest
from django import forms
from django.contrib import admin
from django.urls import reverse

from .test_permission_matrix import row_counts

pytestmark = pytest.mark.django_db

# What no field takes: an empty text where text is required, and for the other fields (dates,
# numbers, choices, foreign keys) an invisible separator, which is no date, number or key.
NOT_A_VALUE = "\u2063"


def _admins():
    return sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label_lower)


def _form_data(model_admin, request_user, rf):
    """Every field of the admin's form, each given a value it does not accept."""
    request = rf.get("/")
    request.user = request_user
    fields = model_admin.get_form(request).base_fields
    return {
        name: "" if isinstance(field, forms.CharField) else NOT_A_VALUE
        for name, field in fields.items()
    }


def _refused(response):
    """Back to the form with its errors (400), or not this user's to add (403)."""
    return response.status_code in (400, 403)


@pytest.mark.parametrize(
    "model", [model for model, _admin in _admins()], ids=lambda m: m._meta.label_lower
)
def test_every_admin_add_form_answers_nonsense_with_a_400(as_role, staff, rf, model):
    client = as_role("superuser")
    model_admin = admin.site._registry[model]
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
    request = rf.get(url)
    request.user = staff["superuser"]
    if not model_admin.has_add_permission(request):
        assert client.post(url, {}).status_code == 403
        return
    before = row_counts()
    response = client.post(url, _form_data(model_admin, staff["superuser"], rf))
    assert _refused(response), f"{url}: {response.status_code}"
    if response.status_code == 400:
        assert "Korjaa" in response.content.decode(), "the Finnish 'correct the errors' note"
    assert row_counts() == before


def test_every_admin_change_form_answers_nonsense_with_a_4xx(as_role, staff, rf):
    """Each admin's first row (the models the demo data has rows of), changed to nonsense:
    never a 200 (a refused form is a 4xx) or a 500, and the row stays as it was (a read-only
    admin may send the person back with a redirect)."""
    client = as_role("superuser")
    problems, walked = [], 0
    for model, model_admin in _admins():
        obj = model._default_manager.order_by("pk").first()
        if obj is None:
            continue
        walked += 1
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}_change"
        url = reverse(name, args=[obj.pk])
        rows = list(model._default_manager.order_by("pk").values_list())
        response = client.post(url, _form_data(model_admin, staff["superuser"], rf))
        if response.status_code == 200 or response.status_code >= 500:
            problems.append(f"{url}: {response.status_code}")  # a refusal says so: a 4xx
        if list(model._default_manager.order_by("pk").values_list()) != rows:
            problems.append(f"{url}: rows changed")
    assert walked >= 10, "the demo data should give most admins a row"
    assert not problems, problems


def test_a_wrong_password_is_a_400_in_finnish(client, demo_data):
    response = client.post(
        reverse("admin:login"), {"username": "toimittaja", "password": "väärä", "next": "/admin/"}
    )
    html = response.content.decode()
    assert response.status_code == 400 and "Ole hyvä ja syötä" in html
    assert "<title>Virhe: Kirjaudu sisään" in html  # Django's Finnish leaves "Error:" English
    assert "_auth_user_id" not in client.session


def test_a_wrong_old_password_on_the_change_page_is_a_400(as_role):
    client = as_role("editor")
    response = client.post(
        reverse("admin:password_change"),
        {"old_password": "väärä", "new_password1": "Uusi-salasana-77", "new_password2": "x"},
    )
    assert response.status_code == 400
    client.logout()
    assert client.login(username="toimittaja", password="kumppanuus-demo-2026")


def test_a_right_password_still_signs_in(client, demo_data):
    response = client.post(
        reverse("admin:login"),
        {"username": "toimittaja", "password": "kumppanuus-demo-2026", "next": "/admin/"},
    )
    assert response.status_code == 302
