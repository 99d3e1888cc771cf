"""The demo's people, signed in as a browser of their own (for the attack tests)."""

from django.contrib.auth import get_user_model
from django.test import Client


def user(username):
    return get_user_model().objects.get(username=username)


def logged_in(username):
    client = Client(raise_request_exception=False)
    client.force_login(user(username))
    return client
