from django.core.management.base import BaseCommand

from barometer.models import Survey
from barometer.services import survey_figures_store
from kumppanuus import services
from kumppanuus.models import AnnualReview
from programme.models import AssessmentRound
from programme.services import round_figures_store


class Command(BaseCommand):
    help = (
        "Tallentaa suljettujen kierrosten ja kyselyjen luvut sekä julkaistujen vuosikatsausten "
        "luvut, joilta ne puuttuvat, ja täydentää julkaistujen katsausten tallennetut kopiot "
        "(kerran päivityksen jälkeen). Idempotentti."
    )

    def handle(self, *args, **options):
        rounds = AssessmentRound.objects.closed().filter(figures__isnull=True).order_by("year")
        for assessment_round in rounds:
            round_figures_store(assessment_round=assessment_round)
            self.stdout.write(f"{assessment_round}: luvut tallennettu")
        for survey in Survey.objects.filter(state=Survey.State.CLOSED, figures__isnull=True):
            survey_figures_store(survey=survey)
            self.stdout.write(f"{survey}: tulokset tallennettu")
        for review in AnnualReview.objects.published().filter(figures__isnull=True):
            services.review_publish(review=review)  # stores its figures, freezes its inputs
            self.stdout.write(f"{review}: luvut tallennettu ja lähtötiedot jäädytetty")
        for review in AnnualReview.objects.published().filter(figures__isnull=False):
            if services.review_snapshot_complete(review=review):
                self.stdout.write(f"{review}: tallennettuun kopioon lisätty puuttuvat osat")
