"""Page reads of the barometer's results: stored for a closed survey, live otherwise."""

import json
from typing import NamedTuple

from django.shortcuts import get_object_or_404
from django.utils.html import format_html

import compiledsql
import fragments

from .models import Question, Statement, Survey
from .results import (
    published_points,
    share,
    statement_as_asked,
    stored_points,
    survey_results,
    survey_results_from_data,
    trends,
)

INDEX_BODY = "barometer/includes/index_body.html"
RESULTS_BODY = "barometer/includes/survey_results_body.html"
STATEMENT_TEXTS = fragments.language_columns("text")


class GroupRow(NamedTuple):
    label: str
    respondents: int
    agree_share: float | None


class StatementRows(NamedTuple):
    key: str
    text: str
    lang: str  # ' lang="fi"' when the text falls back to Finnish
    sentence: str
    distribution: tuple  # (label, count, share) for 1–5 and "en osaa sanoa"
    total: int
    breakdown: tuple  # GroupRow
    suppressed: bool


def survey_results_for(survey):
    """A closed survey's stored results (1 query), else computed."""
    return survey_results(survey)


class LatestResult(NamedTuple):
    text: str
    lang: str  # ' lang="fi"' when the statement's words fall back to Finnish
    year: int
    agree: float


class SurveyLink(NamedTuple):
    year: int  # the kept fragment links it, drawn once
    title: str
    lang: str


class PublishedBarometer(NamedTuple):
    """The published surveys' results and the statements as plain rows: a fragment kept by
    them is drawn anew when results are stored again or a statement changes."""

    surveys: tuple  # (year, title, stored results as JSON text or None), newest first
    open_survey: tuple | None  # (year, title) of the latest open survey
    statements: tuple  # (pk, key, is_headline, text_fi, text_sv, text_en)
    points: tuple | None  # published_points(), when some published survey's are not stored


def published_barometer():
    """PublishedBarometer (2 queries; 1 more when a published survey's results are not
    stored, to aggregate them)."""
    surveys = _published_and_open_surveys.rows()
    published = tuple(
        (year, title, figures)
        for year, title, state, figures in surveys
        if state == Survey.State.CLOSED
    )
    open_survey = next(
        ((year, title) for year, title, state, _figures in surveys if state == Survey.State.OPEN),
        None,
    )
    points = None
    if not all(fragments.holds_json(figures) for _year, _title, figures in published):
        points = tuple(published_points())
    return PublishedBarometer(published, open_survey, tuple(_statement_rows.rows()), points)


@compiledsql.query()
def _published_and_open_surveys():
    surveys = Survey.objects.published() | Survey.objects.filter(state=Survey.State.OPEN)
    surveys = fragments.with_json_text(surveys, "figures").order_by("-year")
    return surveys.values_list("year", "title", "state", "figures_json")


@compiledsql.query()
def _statement_rows():
    return Statement.objects.values_list("pk", "key", "is_headline", *STATEMENT_TEXTS)


def barometer_trends(barometer):
    """({statement key: [(year, share agreeing, answers)]}, the statements that have results,
    each in the words of its latest published year) of a PublishedBarometer: a statement
    reworded for next year's survey is not shown over the results of a year that asked the
    old words."""
    points = barometer.points
    if points is None:
        points = [
            point
            for year, _title, figures in barometer.surveys
            for point in stored_points(year, json.loads(figures))
        ]
    points = sorted(points, key=lambda point: point[0])
    words = {key: texts for _year, key, _agree, _total, texts in points}  # the latest year's
    statements = [
        statement_as_asked(statement, statement.key, words[statement.key])
        for statement in _statements(barometer.statements).values()
        if statement.key in words
    ]
    return trends(points), statements


def latest_headline(barometer):
    """(year, share agreeing, the headline statement as asked) of the latest published
    survey, from its stored results; None without a headline among them."""
    year, _title, figures = barometer.surveys[0]
    statements = _statements(barometer.statements)
    for item in json.loads(figures)["statements"]:
        statement = statements.get(item["statement"])
        if statement and statement.is_headline:
            as_asked = statement_as_asked(statement, item["key"], item.get("texts"))
            return year, share(item["agree"], item["total"]), as_asked
    return None


def _statements(rows):
    """{pk: Statement} from rows of (pk, key, is_headline, *STATEMENT_TEXTS)."""
    return {
        pk: Statement(
            pk=pk, key=key, is_headline=headline, **dict(zip(STATEMENT_TEXTS, texts, strict=True))
        )
        for pk, key, headline, *texts in rows
    }


def barometer_index():
    """The barometer front page's body: the headline statement's trend, every statement's
    latest result, the published years and the open survey (2 queries: published_barometer),
    drawn once per distinct content."""
    return fragments.draw_with(INDEX_BODY, _index_context, published_barometer())


def _index_context(barometer):
    series, statements = barometer_trends(barometer)
    headline = next((s for s in statements if s.is_headline), None)
    headline_trend = tuple(series.get(headline.key, [])) if headline else ()
    open_survey = barometer.open_survey
    if open_survey:  # its invitation names it within a sentence in the page's language
        year, title = open_survey
        title, lang = fragments.finnish_only(title)
        open_survey = (year, format_html("<span{}>{}</span>", lang, title) if lang else title)
    return {
        "open_survey": open_survey,
        "headline_text": headline.text if headline else None,
        "headline_trend": headline_trend,
        "trend_points": tuple((year, agree) for year, agree, _answers in headline_trend),
        "latest": tuple(
            LatestResult(s.text, fragments.fallback_lang(s, "text"), *series[s.key][-1][:2])
            for s in statements
        ),
        "published": tuple(
            SurveyLink(year, *fragments.finnish_only(title))  # titles are kept in Finnish alone
            for year, title, _figures in barometer.surveys
        ),
    }


def published_survey(year):
    """The published survey of `year`, its stored results read as JSON text; 404 if none."""
    return get_object_or_404(
        fragments.with_json_text(Survey.objects.published(), "figures"), year=year
    )


@compiledsql.query(survey=Question._meta.get_field("survey"))
def _likert_statements(*, survey):
    """The statements a survey asked, in the order asked."""
    questions = Question.objects.filter(survey=survey, kind=Question.Kind.LIKERT).order_by("pk")
    return questions.values_list(
        "statement_id",
        "statement__key",
        "statement__is_headline",
        *(f"statement__{text}" for text in STATEMENT_TEXTS),
    )


def survey_results_body(survey):
    """The results page's body (respondents, the statements' charts and tables), drawn from
    plain data once per distinct content: a closed survey's from its stored results, kept by
    their JSON text, and its statements' rows (1 query); any other's from its live results."""
    if survey.state == Survey.State.CLOSED and fragments.holds_json(survey.figures_json):
        statements = tuple(_likert_statements.rows(survey=survey.pk))
        return fragments.draw_with(
            RESULTS_BODY,
            _stored_body,
            survey.figures_json,
            statements,
            survey.invited,
            survey.intro,
        )
    return fragments.draw(RESULTS_BODY, **_body_data(survey_results(survey), survey.intro))


def _stored_body(figures_json, statement_rows, invited, intro):
    results = survey_results_from_data(
        Survey(invited=invited), json.loads(figures_json), _statements(statement_rows)
    )
    return _body_data(results, intro)


def _body_data(results, intro):
    return {
        "respondents": results.respondents,
        "response_rate": results.response_rate,
        "invited": results.survey.invited,
        "intro": intro,
        "statements": statement_rows(results),
        "suppressed": results.suppressed,
    }


def statement_rows(results):
    """The statements' results as plain rows, as the results page draws them."""
    return tuple(
        StatementRows(
            key=result.statement.key,
            text=result.statement.text,
            lang=fragments.fallback_lang(result.statement, "text"),
            sentence=result.sentence,
            distribution=tuple(result.distribution),
            total=result.total,
            breakdown=tuple(
                GroupRow(group.label, group.respondents, group.agree_share)
                for group in result.breakdown
            ),
            suppressed=result.suppressed,
        )
        for result in results.statements
    )


def open_data_rows():
    """[year, key, words, answers, share agreeing] per published survey and statement, in
    the words the statement had that year (in the page's language, else Finnish)."""
    present = dict(Statement.objects.values_list("key", "text"))
    for year, key, agree, answers, texts in published_points():
        words = Statement(**texts).text if texts else present.get(key, "")
        yield [year, key, words, answers, round(agree / answers, 4)]
