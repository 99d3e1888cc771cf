"""Page reads of the barometer's results: stored for a closed survey, live otherwise."""

from typing import NamedTuple

import fragments

from .models import Statement
from .results import published_points, statement_as_asked, survey_results, trends


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


def barometer_trends():
    """The barometer front page's trends ({key: [(year, share, answers)]}) and its statements,
    each in the words of its latest published year: a statement reworded for next year's
    survey is not shown over the results of a year that asked the old words (2 queries)."""
    points = sorted(published_points(), key=lambda point: point[0])
    words = {key: texts for _year, key, _agree, _total, texts in points}  # the latest year's
    statements = [
        statement_as_asked(statement, statement.key, words[statement.key])
        for statement in Statement.objects.filter(key__in=words)
    ]
    return trends(points), statements


def statement_sections(results):
    """The results page's statements (chart, tables, sentence), drawn from plain rows once per
    distinct content: a closed survey's page draws them once per process and language."""
    statements = tuple(
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
    return fragments.draw("barometer/includes/statement_results.html", statements=statements)


def open_data_rows():
    """[year, key, words, answers, share agreeing] per published survey and statement, in
    the words the statement had that year (in the page's language, else Finnish)."""
    present = dict(Statement.objects.values_list("key", "text"))
    for year, key, agree, answers, texts in published_points():
        words = Statement(**texts).text if texts else present.get(key, "")
        yield [year, key, words, answers, round(agree / answers, 4)]
