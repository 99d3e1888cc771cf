"""The two staff roles as Django groups, with their permissions. Idempotent."""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

from networks.roles import CONTACT_PERSONS, EDITORS

EDITOR_APPS = ["networks", "programme", "barometer", "feedback", "kumppanuus"]

# Contact persons read what they rate against and edit only their own networks' statuses;
# the row-level limits live in the admin classes (events: networks.models.can_edit_event).
CONTACT_PERSON_PERMISSIONS = [
    "networks.view_network",
    "networks.view_event",
    "networks.add_event",
    "networks.change_event",
    "networks.delete_event",
    "programme.view_programme",
    "programme.view_measure",
    "programme.view_assessmentround",
    "programme.view_measurestatus",
    "programme.add_measurestatus",
    "programme.change_measurestatus",
    "feedback.view_idea",
    "feedback.change_idea",
]


def roles_setup():
    editors, _ = Group.objects.get_or_create(name=EDITORS)
    editors.permissions.set(Permission.objects.filter(content_type__app_label__in=EDITOR_APPS))
    contacts, _ = Group.objects.get_or_create(name=CONTACT_PERSONS)
    contacts.permissions.set(_permissions(CONTACT_PERSON_PERMISSIONS))
    return editors, contacts


def _permissions(dotted_names):
    query = Q(pk__in=[])
    for dotted in dotted_names:
        app_label, codename = dotted.split(".")
        query |= Q(content_type__app_label=app_label, codename=codename)
    permissions = list(Permission.objects.filter(query))
    if len(permissions) != len(dotted_names):
        missing = set(dotted_names) - {
            f"{p.content_type.app_label}.{p.codename}" for p in permissions
        }
        raise LookupError(f"Tuntemattomat oikeudet: {sorted(missing)}")
    return permissions
