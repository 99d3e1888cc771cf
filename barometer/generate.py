"""Large synthetic barometer data for query-count tests and the benchmark (not demo data)."""

import random

from django.db import transaction
from django.utils import timezone

from .importing import ID_COLUMN, ORGANISATION_COLUMN, TIME_COLUMN, survey_import_csv
from .models import DONT_KNOW, OrganisationType, Question, Statement, Survey
from .services import results_publish, survey_close

RESPONSES_PER_FILE = 50_000  # well under the import's size cap (about 2.3 MB)


@transaction.atomic
def large_survey_generate(*, responses=100_000, year=2099, seed=2026):
    """A closed, published survey of `responses` respondents answering six statements, written
    through the barometer import (the fastest write path the portal has) in files of
    RESPONSES_PER_FILE respondents, then closed and its results published as an editor would."""
    rng = random.Random(seed)
    statements = [
        Statement.objects.get_or_create(key=f"testi-{i}", defaults={"text": f"Testiväittämä {i}"})[
            0
        ]
        for i in range(6)
    ]
    survey = Survey.objects.create(year=year, title=f"Testikysely {year}")
    Question.objects.bulk_create(
        Question(survey=survey, order=i, kind=Question.Kind.LIKERT, statement=s)
        for i, s in enumerate(statements)
    )
    header = ",".join([ID_COLUMN, TIME_COLUMN, ORGANISATION_COLUMN, *(s.key for s in statements)])
    submitted = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    organisations = [choice.value for choice in OrganisationType]
    for start in range(0, responses, RESPONSES_PER_FILE):
        lines = [header]
        for i in range(start, min(start + RESPONSES_PER_FILE, responses)):
            answers = (_random_answer(rng) for _statement in statements)
            lines.append(f"t{i},{submitted},{rng.choice(organisations)},{','.join(answers)}")
        survey_import_csv(survey=survey, data="\n".join(lines).encode())
    survey_close(survey=survey)  # its figures stored, as on closing
    results_publish(survey=survey)
    return survey


def _random_answer(rng):
    value = rng.choice([1, 2, 3, 4, 5, 5, 4, None])
    return DONT_KNOW if value is None else str(value)
