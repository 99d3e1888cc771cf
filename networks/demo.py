"""The networks' part of the demo data: groups, themes, fictional contact persons, events."""

import csv
import json
from datetime import datetime, timedelta
from pathlib import Path

from django.utils import timezone
from django.utils.text import slugify

from .models import ContactPerson, Event, Network, Theme

DATA_DIR = Path(__file__).parent / "demo_data"


def read_csv(path):
    """Rows of a UTF-8 demo CSV file with a header row, as dictionaries."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load(stdout):
    networks = _load_networks()
    _load_contacts(networks)
    _load_events(networks)
    stdout.write(f"verkostot: {len(networks)} verkostoa ja työryhmää")


LANGUAGES = ("fi", "sv", "en")
HOW_TO_JOIN = (
    "Ryhmä on avoin kaikille teeman parissa toimiville. Ilmoita kiinnostuksesi "
    "yhteyshenkilölle, niin saat kutsut tapaamisiin.",
    "Gruppen är öppen för alla som arbetar med temat. Anmäl ditt intresse till "
    "kontaktpersonen, så får du inbjudningar till mötena.",
    "The group is open to everyone working on the theme. Tell the contact person you are "
    "interested and you will be invited to the meetings.",
)


def _translated(field, values):
    """{field_fi: …, field_sv: …, field_en: …} from three texts in that order."""
    return {f"{field}_{language}": value for language, value in zip(LANGUAGES, values, strict=True)}


def _load_networks():
    networks = {}
    texts = json.loads((DATA_DIR / "network_texts.json").read_text(encoding="utf-8"))
    for order, row in enumerate(read_csv(DATA_DIR / "networks.csv"), start=1):
        theme_names = [name.strip() for name in row["themes"].split(";") if name.strip()]
        text = texts[row["slug"]]
        network, _ = Network.objects.update_or_create(
            slug=row["slug"],
            defaults={
                **_translated("name", [row[f"name_{language}"] for language in LANGUAGES]),
                "kind": row["kind"],
                "order": order,
                **_translated("short_description", text["short"]),
                **_translated("description", text["description"]),
                **_translated("how_to_join", HOW_TO_JOIN),
            },
        )
        network.themes.set(
            Theme.objects.get_or_create(slug=slugify(name), defaults={"name": name})[0]
            for name in theme_names
        )
        networks[network.slug] = network
    return networks


def _load_contacts(networks):
    for row in read_csv(DATA_DIR / "contacts.csv"):
        contact, _ = ContactPerson.objects.update_or_create(
            email=row["email"],
            defaults={
                "name": row["name"],
                "title": row["title"],
                "organisation": row["organisation"],
                "phone": row["phone"],
            },
        )
        contact.networks.set(networks[slug] for slug in row["networks"].split(";"))


def _load_events(networks):
    def aware(text):
        return timezone.make_aware(datetime.strptime(text, "%Y-%m-%d %H:%M"))

    for row in read_csv(DATA_DIR / "events.csv"):
        _save_event(row, networks, aware(row["start"]), aware(row["end"]))
    today = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
    for row in read_csv(DATA_DIR / "upcoming_events.csv"):
        start = today + timedelta(days=int(row["days_from_now"]))
        _save_event(row, networks, start, start + timedelta(hours=int(row["hours"])))


def _save_event(row, networks, start, end):
    Event.objects.update_or_create(
        title=row["title"],
        defaults={
            "network": networks.get(row["network"]),
            "start": start,
            "end": end,
            "place": row["place"],
            "online": row["online"] == "true",
            "description": row["description"],
            "registration_url": row["registration_url"],
        },
    )
