import sys

from django.core.management.base import BaseCommand, CommandError

from barometer.importing import ImportRefused, read_upload, survey_import_csv
from barometer.models import Survey
from barometer.services import SurveyFrozen


class Command(BaseCommand):
    help = "Tuo kyselytyökalun CSV-viennin barometrikyselyyn: kaikki rivit tai ei mitään."

    def add_arguments(self, parser):
        parser.add_argument("year", type=int)
        parser.add_argument("file")

    def handle(self, *args, year, file, **options):
        try:
            survey = Survey.objects.get(year=year)
        except Survey.DoesNotExist as error:
            raise CommandError(f"Vuodelle {year} ei ole kyselyä.") from error
        try:
            with open(file, "rb") as handle:
                data = read_upload(handle)
        except OSError as error:
            raise CommandError(f"Tiedostoa ei voi lukea: {error}") from error
        try:
            summary = survey_import_csv(survey=survey, data=data, progress=self.progress)
        except SurveyFrozen as refusal:
            raise CommandError(" ".join(refusal.messages)) from refusal
        except ImportRefused as refused:
            for row_error in refused.errors:
                self.stderr.write(str(row_error))
            raise CommandError(
                f"Tiedostoa ei tuotu: {refused.total} virhettä, mitään ei tallennettu."
            ) from refused
        self.stdout.write(
            self.style.SUCCESS(
                f"Tuotu {summary.created} vastausta; {summary.skipped_existing} oli jo tuotu."
            )
        )

    def progress(self, done, total):
        width = 40
        filled = int(width * done / total) if total else width
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()
