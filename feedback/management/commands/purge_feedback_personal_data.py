from django.conf import settings
from django.core.management.base import BaseCommand

from feedback.services import ideas_purge_personal_data


class Command(BaseCommand):
    help = (
        "Poistaa säilytysajan (FEEDBACK_RETENTION_MONTHS) ylittäneiden kehittämisideoiden nimet, "
        "sähköpostit ja organisaatiot. Aja päivittäin."
    )

    def handle(self, *args, **options):
        purged = ideas_purge_personal_data()
        self.stdout.write(
            f"Henkilötiedot poistettu {purged} ideasta "
            f"(säilytysaika {settings.FEEDBACK_RETENTION_MONTHS} kk)."
        )
