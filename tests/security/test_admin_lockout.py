import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def lockout_backends(settings):
    settings.AUTHENTICATION_BACKENDS = [
        "axes.backends.AxesStandaloneBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]


def attempt(client, password):
    return client.post(
        "/admin/login/?next=/admin/", {"username": "toimittaja", "password": password}
    )


def test_repeated_failures_lock_the_account_out_with_a_clear_message(
    client, demo_data, lockout_backends
):
    for _ in range(4):
        assert attempt(client, "väärä").status_code == 400  # a refused form: bad input
    locked = attempt(client, "väärä")
    assert locked.status_code == 429
    assert "Liian monta epäonnistunutta kirjautumisyritystä" in locked.content.decode()
    # even the right password is refused while locked out
    assert attempt(client, "kumppanuus-demo-2026").status_code == 429


def test_correct_password_works_before_the_limit(client, demo_data, lockout_backends):
    for _ in range(2):
        attempt(client, "väärä")
    response = attempt(client, "kumppanuus-demo-2026")
    assert response.status_code == 302 and response["Location"] == "/admin/"
