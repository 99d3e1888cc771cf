from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from programme.models import AssessmentRound
from programme.services import reminders_send, reminders_unreachable_text


class Command(BaseCommand):
    help = (
        "Lähettää muistutuksen avointen arviointikierrosten verkostoille, jotka eivät ole "
        "vahvistaneet arviotaan. --dry-run luettelee vastaanottajat nimeltä lähettämättä mitään."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Älä lähetä, vain luettele.")
        parser.add_argument("--year", type=int, help="Vain tämän vuoden avoin kierros.")

    def handle(self, *args, dry_run=False, year=None, **options):
        rounds = AssessmentRound.objects.open().select_related("programme")
        if year is not None:
            rounds = rounds.filter(year=year)
            if not rounds.exists():
                raise CommandError(f"Vuodelle {year} ei ole avointa arviointikierrosta.")
        try:
            reminders = reminders_send(rounds=rounds, user=None, dry_run=dry_run)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        # Names, not addresses: cron mails and journald keep what a command prints.
        for reminder in reminders:
            contact = reminder.contact
            self.stdout.write(f"  {reminder.assessment_round.year}: {contact.name} ({contact.pk})")
        verb = "lähetettäisiin" if dry_run else "lähetetty"
        self.stdout.write(f"Muistutuksia {verb}: {len(reminders)}.")
        unreachable = reminders_unreachable_text(rounds)
        if unreachable:
            self.stderr.write(unreachable)
