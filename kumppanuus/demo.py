"""The site's part of the demo data: roles and two dev-only accounts."""

from django.contrib.auth import get_user_model

from networks.models import ContactPerson

from .roles import roles_setup

DEMO_PASSWORD = "kumppanuus-demo-2026"
DEMO_CONTACT_EMAIL = "laura.nieminen@example.fi"  # contact person of Matkailufoorumi


def load(stdout):
    editors, contacts = roles_setup()
    editor = _demo_user("toimittaja", "Toimi", "Toimittaja", editors)
    contact_user = _demo_user("yhteyshenkilo", "Laura", "Nieminen", contacts)
    ContactPerson.objects.filter(email=DEMO_CONTACT_EMAIL).update(user=contact_user)
    stdout.write(
        "Kehityskäyttöön tarkoitetut tunnukset (vain esittelyaineistossa):\n"
        f"  toimittaja / {DEMO_PASSWORD}    (Toimitus)\n"
        f"  yhteyshenkilo / {DEMO_PASSWORD} (Yhteyshenkilöt, Matkailufoorumi)"
    )
    return editor


def _demo_user(username, first_name, last_name, group):
    user, created = get_user_model().objects.get_or_create(
        username=username,
        defaults={"first_name": first_name, "last_name": last_name, "is_staff": True},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    user.groups.add(group)
    return user
