"""The demo's people, signed in as a browser of their own (for the attack tests)."""

import re

from django.contrib.auth import get_user_model
from django.test import Client

PASSWORD = "kumppanuus-demo-2026"


def new_editor(username, password=PASSWORD, *, email=None, device_secret=None):
    """A new editor (group Toimitus) with no app yet, or with one of base32 `device_secret`;
    address f"{username}@example.fi" unless `email` is given ("" for none)."""
    from base64 import b32decode

    from django_otp.plugins.otp_totp.models import TOTPDevice

    from kumppanuus.roles import roles_setup

    editors, _contacts = roles_setup()
    account = get_user_model().objects.create_user(
        username,
        email=f"{username}@example.fi" if email is None else email,
        password=password,
        is_staff=True,
    )
    account.groups.add(editors)
    if device_secret:
        TOTPDevice.objects.create(
            user=account, name="sovellus", key=b32decode(device_secret).hex(), confirmed=True
        )
    return account


def user(username):
    return get_user_model().objects.get(username=username)


def logged_in(username):
    client = Client(raise_request_exception=False)
    client.force_login(user(username))
    return client


SETUP = "/admin/kaksivaihe/kayttoonotto/"


def mailed_code(address):
    """The six digits of the last second-factor setup code mailed to `address`."""
    from django.core import mail

    sent = [m for m in mail.outbox if m.to == [address]]
    assert sent, f"no code was mailed to {address}"
    return re.search(r"\b(\d{6})\b", sent[-1].body).group(1)


def prove_mailbox(client, address, *, wait_out=False):
    """What a person with the account's mailbox does before setting up an app: ask for the
    code on the setup page and type it back (`wait_out`: as if the minute between two codes
    and any wait after wrong ones had passed)."""
    if wait_out:
        from django_otp.plugins.otp_email.models import EmailDevice

        for device in EmailDevice.objects.all():
            device.cooldown_reset()
            device.throttle_reset()
    assert client.post(SETUP, {"send": "1"}).status_code == 200
    response = client.post(SETUP, {"token": mailed_code(address)})
    assert response.status_code == 302 and response["Location"].startswith(SETUP), response
