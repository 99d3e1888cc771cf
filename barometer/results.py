"""Barometer results, aggregated by the database in a fixed number of queries.

Share agreeing = answers 4 or 5 ÷ all answers to the statement, "en osaa sanoa" included;
a skipped statement is not an answer (no row). Per statement, a group with fewer than
MIN_GROUP_SIZE answers is never broken out, and neither is any group whose figures would
follow from the totals minus the groups shown (complementary suppression, `suppress_groups`).
"""

from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils.translation import gettext as _

import fragments

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
    organisation: str = ""


@dataclass
class StatementResult:
    statement: Statement
    total: int
    agree: int
    dont_know: int
    values: dict
    breakdown: list = field(default_factory=list)
    suppressed: bool = False  # some group of this statement was not broken out

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

    @property
    def suppressed(self):
        """Whether any statement left a group out (never how many: that would help subtract)."""
        return any(result.suppressed for result in self.statements)

    @property
    def response_rate(self):
        return share(self.respondents, self.survey.invited)


def survey_results(survey):
    """The survey's results: a closed survey's stored ones (1 query), else computed.

    Every page reads results through here; only survey_results_compute aggregates answers."""
    if survey.state == Survey.State.CLOSED and fragments.holds_object(survey.figures):
        return survey_results_from_data(survey, survey.figures)
    return survey_results_compute(survey)


def survey_results_compute(survey):
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
    groups = {}
    for row in (
        likert.values("question", "response__organisation_type")
        .annotate(total=Count("pk"), agree=Count("pk", filter=Q(value__gte=4)))
        .order_by("response__organisation_type")
    ):
        groups.setdefault(row["question"], []).append(
            (row["response__organisation_type"], row["total"], row["agree"])
        )
    statements = []
    for question in questions:
        counts = totals.get(question.pk, {})
        shown, hidden = suppress_groups(groups.get(question.pk, []))
        statements.append(
            StatementResult(
                statement=question.statement,
                total=counts.get("total", 0),
                agree=counts.get("agree", 0),
                dont_know=counts.get("dont_know", 0),
                values={v: counts.get(f"v{v}", 0) for v in LIKERT_VALUES},
                breakdown=[
                    GroupShare(
                        label=_organisation_label(org),
                        respondents=group_sizes.get(org, 0),
                        answers=answers,
                        agree_share=share(agree, answers),
                        organisation=org,
                    )
                    for org, answers, agree in shown
                ],
                suppressed=bool(hidden),
            )
        )
    return SurveyResults(
        survey=survey,
        respondents=sum(group_sizes.values()),
        statements=statements,
    )


def suppress_groups(groups):
    """Split one statement's groups [(organisation, answers, agree)] into (shown, hidden).

    A group with fewer than MIN_GROUP_SIZE answers is hidden. The hidden groups together are
    what the totals minus the shown groups give away, so while they are fewer than two, have
    fewer than MIN_GROUP_SIZE answers together, or all agree or all disagree (which would
    tell each hidden group's share), the smallest shown group is hidden as well; in the end
    possibly all of them (no breakdown). Shown groups keep their order.
    """
    hidden = [group for group in groups if group[1] < MIN_GROUP_SIZE]
    if not hidden:
        return list(groups), []
    candidates = sorted((g for g in groups if g[1] >= MIN_GROUP_SIZE), key=lambda g: g[1])
    while candidates and not _pool_is_safe(hidden):
        hidden.append(candidates.pop(0))
    return [group for group in groups if group not in hidden], hidden


def _pool_is_safe(hidden):
    answers = sum(group[1] for group in hidden)
    agree = sum(group[2] for group in hidden)
    return len(hidden) >= 2 and answers >= MIN_GROUP_SIZE and 0 < agree < answers


def _organisation_label(value):
    if not value:
        return _("ei ilmoitettu")
    return str(OrganisationType(value).label)


def survey_results_data(survey):
    """What a closed survey stores: its results as JSON, suppression already applied."""
    results = survey_results_compute(survey)
    return {
        "respondents": results.respondents,
        "statements": [
            {
                "statement": result.statement.pk,
                "key": result.statement.key,
                "texts": statement_texts(result.statement),
                "total": result.total,
                "agree": result.agree,
                "dont_know": result.dont_know,
                "values": [result.values[v] for v in LIKERT_VALUES],
                "breakdown": [
                    [group.organisation, group.respondents, group.answers, group.agree_share]
                    for group in result.breakdown
                ],
                "suppressed": result.suppressed,
            }
            for result in results.statements
        ],
    }


def statement_texts(statement):
    """{"text_fi": …, "text_sv": …, "text_en": …}: the statement's words in every language."""
    return {column: getattr(statement, column) for column in fragments.language_columns("text")}


def statement_as_asked(statement, key, texts):
    """The statement with the words it had when the survey closed: a statement reworded for a
    later year does not change what an earlier year's respondents were asked; its key is the
    one stored too (the trends and the charts' ids are keyed by it). Which statement is the
    headline stays the editors' current choice."""
    if not texts:  # stored before the words were
        return statement
    return Statement(pk=statement.pk, key=key, is_headline=statement.is_headline, **texts)


def survey_results_from_data(survey, data, statements=None):
    """SurveyResults of a closed survey from its stored JSON; `statements`: {pk: statement}
    of its questions, read here unless given (1 query, for the headline)."""
    if statements is None:
        statements = {
            question.statement_id: question.statement
            for question in Question.objects.filter(
                survey=survey, kind=Question.Kind.LIKERT
            ).select_related("statement")
        }
    return SurveyResults(
        survey=survey,
        respondents=data["respondents"],
        statements=[
            StatementResult(
                statement=statement_as_asked(
                    statements[item["statement"]], item["key"], item.get("texts")
                ),
                total=item["total"],
                agree=item["agree"],
                dont_know=item["dont_know"],
                values=dict(zip(LIKERT_VALUES, item["values"], strict=True)),
                breakdown=[
                    GroupShare(_organisation_label(org), respondents, answers, agree_share, org)
                    for org, respondents, answers, agree_share in item["breakdown"]
                ],
                suppressed=item["suppressed"],
            )
            for item in data["statements"]
            if item["statement"] in statements
        ],
    )


def trends(points=None):
    """{statement key: [(year, share agreeing, answers), …]} over published surveys
    (`points`: published_points(), read here unless given).

    Surveys with stored results are read from them (1 query); any without are aggregated
    (1 more query).
    """
    series = {}
    points = published_points() if points is None else points
    for year, key, agree, total, _texts in sorted(points, key=lambda p: p[0]):
        series.setdefault(key, []).append((year, share(agree, total), total))
    return series


def stored_points(year, figures):
    """published_points() of the survey of `year` from its stored results."""
    return [
        (year, item["key"], item["agree"], item["total"], item.get("texts"))
        for item in figures["statements"]
        if item["total"]
    ]


def published_points():
    """(year, statement key, agreeing, answers, the words as asked or None) of every answered
    statement of every published survey. Stored results carry the key and words the statement
    had when the survey closed; any survey without them is aggregated (1 more query)."""
    surveys = list(Survey.objects.published().only("pk", "year", "figures"))
    points = [
        point
        for survey in surveys
        if fragments.holds_object(survey.figures)
        for point in stored_points(survey.year, survey.figures)
    ]
    live = [survey.pk for survey in surveys if not fragments.holds_object(survey.figures)]
    if live:
        points += (
            (year, key, agree, total, None)
            for year, key, agree, total in Answer.objects.filter(
                question__kind=Question.Kind.LIKERT, question__survey__in=live
            )
            .values("question__survey__year", "question__statement__key")
            .annotate(agree=Count("pk", filter=Q(value__gte=4)), total=Count("pk"))
            .values_list("question__survey__year", "question__statement__key", "agree", "total")
            .order_by()
        )
    return points


def statement_sentence(result):
    if result.agree_share is None:
        return ""
    return _("%(percent)s vastaajista oli samaa mieltä väittämän ”%(text)s” kanssa.") % {
        "percent": f"{round(result.agree_share * 100)}\u00a0%",
        "text": result.statement.text,
    }
