"""The site's part of the demo data: roles, two dev-only accounts and the annual reviews."""

import json
from base64 import b32encode
from datetime import datetime
from pathlib import Path

from django.contrib.auth import get_user_model
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from barometer.models import Survey
from networks.models import ContactPerson, Network
from programme.models import AssessmentRound

from .models import AnnualReview, Highlight, ReviewSection
from .roles import roles_setup
from .services import review_publish

DATA_DIR = Path(__file__).parent / "demo_data"
DEMO_PASSWORD = "kumppanuus-demo-2026"
DEMO_CONTACT_EMAIL = "laura.nieminen@example.fi"  # contact person of Matkailufoorumi
DEMO_EDITOR_EMAIL = "toimittaja@example.fi"
DEMO_CONTACT_ACCOUNT_EMAIL = "yhteyshenkilo@example.fi"  # not the public card's address
# The demo editor's authenticator secret (20 bytes): public, like the demo password, so it is
# only ever in demo data. Put the printed base32 form into any authenticator app.
DEMO_TOTP_KEY = b"kumppanuus-demo-2026".hex()


def load(stdout):
    _load_reviews()
    editors, contacts = roles_setup()
    editor = _demo_user("toimittaja", "Toimi", "Toimittaja", editors, DEMO_EDITOR_EMAIL)
    device, _ = TOTPDevice.objects.get_or_create(
        user=editor, name="esittely", defaults={"key": DEMO_TOTP_KEY, "confirmed": True}
    )
    contact_user = _demo_user(
        "yhteyshenkilo", "Laura", "Nieminen", contacts, DEMO_CONTACT_ACCOUNT_EMAIL
    )
    ContactPerson.objects.filter(email=DEMO_CONTACT_EMAIL).update(user=contact_user)
    stdout.write(
        "Kehityskäyttöön tarkoitetut tunnukset (vain esittelyaineistossa):\n"
        f"  toimittaja / {DEMO_PASSWORD}    (Toimitus, kaksivaiheinen tunnistus)\n"
        f"    todennussovelluksen avain: {b32encode(device.bin_key).decode()}\n"
        f"    tai: {device.config_url}\n"
        f"  yhteyshenkilo / {DEMO_PASSWORD} (Yhteyshenkilöt, Matkailufoorumi)"
    )


def _demo_user(username, first_name, last_name, group, email):
    """A dev-only account; its address receives the code that starts a second-factor setup
    (printed by the console mail backend of `make run`)."""
    user, created = get_user_model().objects.get_or_create(
        username=username,
        defaults={"first_name": first_name, "last_name": last_name, "is_staff": True},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
    if created or not user.email:
        user.email = email
        user.save()
    user.groups.add(group)
    return user


def _load_reviews():
    networks = {n.slug: n for n in Network.objects.all()}
    for data in json.loads((DATA_DIR / "reviews.json").read_text(encoding="utf-8")):
        review, created = AnnualReview.objects.get_or_create(
            year=data["year"],
            defaults={
                "title_fi": data["title"],
                "title_sv": data.get("title_sv", ""),
                "title_en": data.get("title_en", ""),
                "lead_fi": data["lead"],
                "lead_sv": data.get("lead_sv", ""),
                "lead_en": data.get("lead_en", ""),
                "published_at": _year_end(data["year"]) if data["state"] == "published" else None,
                "assessment_round": AssessmentRound.objects.filter(year=data["round"]).first(),
                "survey": Survey.objects.filter(year=data["survey"]).first(),
            },
        )
        if not created:
            continue
        review.contacts.set(ContactPerson.objects.filter(email__in=data["contacts"]))
        for order, section in enumerate(data["sections"], start=1):
            ReviewSection.objects.create(review=review, order=order, **section)
        for order, item in enumerate(data["highlights"], start=1):
            Highlight.objects.create(
                review=review,
                order=order,
                category=item["category"],
                title=item["title"],
                description=item["description"],
                network=networks.get(item["network"]),
            )
        if data["state"] == AnnualReview.State.PUBLISHED:
            review_publish(review=review)


def _year_end(year):
    return timezone.make_aware(datetime(year + 1, 1, 15, 12, 0))
