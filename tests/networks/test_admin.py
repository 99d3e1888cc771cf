import pytest

from networks.models import Event, Network
from tests.conftest import admin_form_data
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path", ["networks/network/", "networks/event/", "networks/contactperson/"]
)
def test_anonymous_is_redirected_to_login(client, path):
    response = client.get(f"/admin/{path}")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_editor_can_edit_a_network(client, demo_data):
    client.login(username="toimittaja", password="kumppanuus-demo-2026")
    network = Network.objects.get(slug="matkailu")
    assert client.get("/admin/networks/network/").status_code == 200
    page = client.get(f"/admin/networks/network/{network.pk}/change/")
    assert page.status_code == 200
    content = page.content.decode()
    assert 'name="name_sv"' in content and 'name="name_en"' in content  # language variants together
    data = admin_form_data(
        page, name_fi="Matkailufoorumi (uusi nimi)", name_sv="Turismforumet (nytt namn)"
    )
    response = client.post(f"/admin/networks/network/{network.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    network.refresh_from_db()
    assert network.name == "Matkailufoorumi (uusi nimi)"
    assert network.name_sv == "Turismforumet (nytt namn)"


def test_editor_gets_finnish_error_for_event_ending_before_start(client, demo_data):
    client.login(username="toimittaja", password="kumppanuus-demo-2026")
    before = Event.objects.count()
    response = client.post(
        "/admin/networks/event/add/",
        {
            "title": "Väärin päin",
            "start_0": "10.3.2025",
            "start_1": "12:00",
            "end_0": "10.3.2025",
            "end_1": "10:00",
            "place": "Turku",
        },
    )
    assert response.status_code == 400
    assert "Tapahtuma ei voi päättyä ennen kuin se alkaa." in response.content.decode()
    assert Event.objects.count() == before


def test_user_without_role_cannot_see_networks_admin(client, db):
    user = UserFactory(username="eirooli")
    client.force_login(user)
    assert client.get("/admin/networks/network/").status_code == 403
