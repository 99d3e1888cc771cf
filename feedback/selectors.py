"""Page reads of the ideas: the public summary, numbers and public answers only."""

import datetime
from typing import NamedTuple

import compiledsql
import fragments

from .models import Idea, summary_by_year


class YearSummary(NamedTuple):
    year: int
    total: int
    topics: tuple  # (label, count)
    states: tuple  # (label, count)


class PublicResponse(NamedTuple):
    created: datetime.datetime
    topic: str
    state: str
    summary: str
    response: str


def idea_summary(responses_shown=30):
    """The summary page's body: ideas per year by topic and by state, and the latest answers
    published to ideas (2 queries), read as values and drawn once per distinct content."""
    years = [
        YearSummary(year, counts["total"], _labelled(counts["topics"]), _labelled(counts["states"]))
        for year, counts in summary_by_year(_summary_counts.rows())
    ]
    topics, states = dict(Idea.Topic.choices), dict(Idea.State.choices)
    rows = _public_responses.rows(responses_shown)
    responses = [
        PublicResponse(
            created, str(topics.get(topic, topic)), str(states.get(state, state)), summary, response
        )
        for created, topic, state, summary, response in rows
    ]
    return fragments.draw(
        "feedback/includes/idea_summary_body.html", years=years, responses=responses
    )


@compiledsql.query()
def _summary_counts():
    return Idea.objects.summary_counts()


@compiledsql.query()
def _public_responses(shown):
    """Numbers and published answers only: never an idea's sender."""
    ideas = Idea.objects.with_public_response()
    return ideas.values_list("created", "topic", "state", "summary", "public_response")[:shown]


def _labelled(counts):
    return tuple((str(label), count) for label, count in counts.items())
