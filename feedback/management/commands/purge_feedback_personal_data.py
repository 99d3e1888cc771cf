from django.conf import settings
from django.core.management.base import BaseCommand

from feedback.services import ideas_purge_personal_data


class Command(BaseCommand):
    help = (
        "Poistaa säilytysajan (FEEDBACK_RETENTION_MONTHS) ylittäneiden kehittämisideoiden nimet, "
        "sähköpostit ja organisaatiot. Aja päivittäin."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Älä poista mitään, kerro vain montako."
        )

    def handle(self, *args, dry_run=False, **options):
        purged = ideas_purge_personal_data(dry_run=dry_run)
        verb = "poistettaisiin" if dry_run else "poistettu"
        self.stdout.write(
            f"Henkilötiedot {verb} {purged} ideasta "
            f"(säilytysaika {settings.FEEDBACK_RETENTION_MONTHS} kk)."
        )
