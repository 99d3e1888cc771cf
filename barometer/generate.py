"""Large synthetic barometer data for query-count tests and the benchmark (not demo data)."""

import random

from django.db import transaction
from django.utils import timezone

from .models import Answer, OrganisationType, Question, Response, Statement, Survey
from .services import survey_figures_store


@transaction.atomic
def large_survey_generate(*, responses=100_000, year=2099, seed=2026, batch_size=5000):
    """A closed, published survey of `responses` respondents answering six statements."""
    rng = random.Random(seed)
    statements = [
        Statement.objects.get_or_create(key=f"testi-{i}", defaults={"text": f"Testiväittämä {i}"})[
            0
        ]
        for i in range(6)
    ]
    survey = Survey.objects.create(
        year=year, title=f"Testikysely {year}", state=Survey.State.CLOSED, results_published=True
    )
    questions = Question.objects.bulk_create(
        Question(survey=survey, order=i, kind=Question.Kind.LIKERT, statement=s)
        for i, s in enumerate(statements)
    )
    organisations = [choice.value for choice in OrganisationType]
    now = timezone.now()
    for start in range(0, responses, batch_size):
        created = Response.objects.bulk_create(
            Response(
                survey=survey,
                submitted=now,
                organisation_type=rng.choice(organisations),
                source=Response.Source.IMPORT,
                external_id=f"t{start + i}",
            )
            for i in range(min(batch_size, responses - start))
        )
        Answer.objects.bulk_create(
            _random_answer(rng, response, question)
            for response in created
            for question in questions
        )
    survey_figures_store(survey=survey)  # closed: its results are stored, as on closing
    return survey


def _random_answer(rng, response, question):
    value = rng.choice([1, 2, 3, 4, 5, 5, 4, None])
    return Answer(response=response, question=question, value=value, dont_know=value is None)
