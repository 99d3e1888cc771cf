from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from kumppanuus.services import two_factor_reset


class Command(BaseCommand):
    help = (
        "Palauttaa lukkiutuneen käyttäjän kaksivaiheisen tunnistuksen: poistaa hänen "
        "todennussovelluksensa ja tulostaa uudet kertakäyttöiset varakoodit. Käyttäjä kirjautuu "
        "salasanalla ja yhdellä varakoodilla ja ottaa sovelluksen uudelleen käyttöön."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--dry-run", action="store_true", help="Älä muuta mitään, näytä vain kenestä on kyse."
        )

    def handle(self, *args, username, dry_run=False, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"Käyttäjää {username} ei ole.")
        if dry_run:
            self.stdout.write(f"Palautettaisiin: {user.username}.")
            return
        codes = two_factor_reset(user=user)
        self.stdout.write(
            f"Käyttäjän {user.username} todennussovellus poistettu. Anna hänelle turvallista "
            "kanavaa pitkin yksi tai useampi varakoodi (kukin toimii kerran):"
        )
        for code in codes:
            self.stdout.write(f"  {code}")
