"""The feedback part of the demo data: a dozen ideas across topics and states (fictional)."""

import uuid
from datetime import timedelta

from django.utils import timezone

from networks.models import Network

from .models import Idea

NAMESPACE = uuid.UUID("6f1c5a52-3f0e-4a6b-9a53-2f2d1f0f7c11")

IDEAS = [
    (
        "verkkosivut",
        "Tapahtumakalenteri olisi kätevä tilata omaan kalenteriin.",
        "vastattu",
        "Tapahtumat voi nyt tilata iCal-kalenterina jokaiselta verkostosivulta.",
        None,
        400,
    ),
    (
        "verkkosivut",
        "Verkostojen yhteyshenkilöt voisi listata selkeämmin.",
        "vastattu",
        "Yhteyshenkilöt näkyvät nyt jokaisen verkoston sivulla.",
        None,
        380,
    ),
    (
        "toiminta",
        "Etätapaamisia kannattaa jatkaa myös koronan jälkeen.",
        "kasittelyssa",
        "",
        None,
        300,
    ),
    (
        "toiminta",
        "Matkailun ja kulttuurin verkostot voisivat järjestää yhteisen tapahtuman.",
        "kasittelyssa",
        "",
        "matkailu",
        200,
    ),
    (
        "muu",
        "Barometrin tulokset voisi esitellä kumppanuusfoorumissa.",
        "vastattu",
        "Barometrin tulokset esitellään syksyn kumppanuusfoorumissa.",
        None,
        150,
    ),
    ("verkkosivut", "Sivuille ruotsinkielinen versio.", "uusi", "", None, 90),
    ("toiminta", "Nuoria mukaan verkostojen toimintaan.", "uusi", "", None, 60),
    (
        "muu",
        "Verkostojen saavutuksista voisi kertoa lyhyinä uutisina.",
        "arkistoitu",
        "",
        None,
        500,
    ),
    ("toiminta", "Saaristoon enemmän tapaamisia paikan päällä.", "uusi", "", None, 30),
    (
        "verkkosivut",
        "Ohjelman etenemisen taulukko toimii hyvin puhelimella.",
        "arkistoitu",
        "",
        None,
        20,
    ),
    (
        "toiminta",
        "Kansainvälisten kumppanien tapaamiset avoimiksi kaikille.",
        "kasittelyssa",
        "",
        None,
        10,
    ),
    ("muu", "Kiitos hyvästä työstä!", "vastattu", "Kiitos palautteesta!", None, 5),
]


def load(stdout):
    now = timezone.now()
    networks = {n.slug: n for n in Network.objects.all()}
    for index, (topic, message, state, response, network, days_ago) in enumerate(IDEAS):
        idea, created = Idea.objects.get_or_create(
            submission_token=uuid.uuid5(NAMESPACE, str(index)),
            defaults={
                "topic": topic,
                "message": message,
                "state": state,
                "public_response": response,
                # The editor-approved summary shown with a public response; in the demo the
                # short messages stand as their own summaries.
                "summary": message if response else "",
                "forwarded_to": networks.get(network),
                "name": "Esimerkki Henkilö" if index % 3 == 0 else "",
                "email": "esimerkki@example.fi" if index % 3 == 0 else "",
                "consent_to_contact": index % 3 == 0,
            },
        )
        if created:
            Idea.objects.filter(pk=idea.pk).update(created=now - timedelta(days=days_ago))
    stdout.write(f"kehittämisideat: {len(IDEAS)} esimerkkiä")
