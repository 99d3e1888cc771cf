"""Barometer results, aggregated by the database in a fixed number of queries.

Share agreeing = answers 4 or 5 ÷ all answers to the statement, "en osaa sanoa" included;
a skipped statement is not an answer (no row). A group of fewer than MIN_GROUP_SIZE
respondents is never broken out, so that no one can be recognised.
"""

from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from .models import (
    LIKERT_LABELS,
    Answer,
    OrganisationType,
    Question,
    Response,
    Statement,
    Survey,
)

MIN_GROUP_SIZE = 5
LIKERT_VALUES = [value for value, _label in LIKERT_LABELS]


def share(part, whole):
    return part / whole if whole else None


def _likert_counts():
    counts = {
        "total": Count("pk"),
        "agree": Count("pk", filter=Q(value__gte=4)),
        "dont_know": Count("pk", filter=Q(dont_know=True)),
    }
    counts.update({f"v{value}": Count("pk", filter=Q(value=value)) for value in LIKERT_VALUES})
    return counts


@dataclass
class GroupShare:
    label: str
    respondents: int
    answers: int
    agree_share: float | None


@dataclass
class StatementResult:
    statement: Statement
    total: int
    agree: int
    dont_know: int
    values: dict
    breakdown: list = field(default_factory=list)

    @property
    def agree_share(self):
        return share(self.agree, self.total)

    @property
    def sentence(self):
        return statement_sentence(self)

    @property
    def distribution(self):
        """(label, count, share) for 1–5 and "en osaa sanoa", in scale order."""
        labels = dict(LIKERT_LABELS)
        rows = [
            (labels[v], self.values[v], share(self.values[v], self.total)) for v in LIKERT_VALUES
        ]
        rows.append((_("en osaa sanoa"), self.dont_know, share(self.dont_know, self.total)))
        return rows


@dataclass
class SurveyResults:
    survey: Survey
    respondents: int
    statements: list
    suppressed_groups: int

    @property
    def response_rate(self):
        return share(self.respondents, self.survey.invited)


def survey_results(survey):
    """Everything the public results page shows for one survey (4 queries)."""
    questions = list(
        Question.objects.filter(survey=survey, kind=Question.Kind.LIKERT)
        .select_related("statement")
        .order_by("order", "pk")
    )
    likert = Answer.objects.filter(question__survey=survey, question__kind=Question.Kind.LIKERT)
    totals = {
        row["question"]: row for row in likert.values("question").annotate(**_likert_counts())
    }
    group_sizes = dict(
        Response.objects.filter(survey=survey)
        .order_by()
        .values_list("organisation_type")
        .annotate(n=Count("pk"))
    )
    visible_groups = {org for org, n in group_sizes.items() if n >= MIN_GROUP_SIZE}
    breakdown = {}
    for row in (
        likert.filter(response__organisation_type__in=visible_groups)
        .values("question", "response__organisation_type")
        .annotate(total=Count("pk"), agree=Count("pk", filter=Q(value__gte=4)))
        .order_by("response__organisation_type")
    ):
        org = row["response__organisation_type"]
        breakdown.setdefault(row["question"], []).append(
            GroupShare(
                label=_organisation_label(org),
                respondents=group_sizes[org],
                answers=row["total"],
                agree_share=share(row["agree"], row["total"]),
            )
        )
    statements = []
    for question in questions:
        counts = totals.get(question.pk, {})
        statements.append(
            StatementResult(
                statement=question.statement,
                total=counts.get("total", 0),
                agree=counts.get("agree", 0),
                dont_know=counts.get("dont_know", 0),
                values={v: counts.get(f"v{v}", 0) for v in LIKERT_VALUES},
                breakdown=breakdown.get(question.pk, []),
            )
        )
    return SurveyResults(
        survey=survey,
        respondents=sum(group_sizes.values()),
        statements=statements,
        suppressed_groups=len(group_sizes) - len(visible_groups),
    )


def _organisation_label(value):
    if not value:
        return _("ei ilmoitettu")
    return str(OrganisationType(value).label)


def trends():
    """{statement key: [(year, share agreeing, answers), …]} over published surveys (1 query)."""
    rows = (
        Answer.objects.filter(
            question__kind=Question.Kind.LIKERT,
            question__survey__in=Survey.objects.published(),
        )
        .values("question__statement__key", "question__survey__year")
        .annotate(total=Count("pk"), agree=Count("pk", filter=Q(value__gte=4)))
        .order_by("question__survey__year")
    )
    series = {}
    for row in rows:
        series.setdefault(row["question__statement__key"], []).append(
            (row["question__survey__year"], share(row["agree"], row["total"]), row["total"])
        )
    return series


def statement_sentence(result):
    if result.agree_share is None:
        return ""
    return _("%(percent)s vastaajista oli samaa mieltä väittämän ”%(text)s” kanssa.") % {
        "percent": f"{round(result.agree_share * 100)}\u00a0%",
        "text": result.statement.text,
    }
