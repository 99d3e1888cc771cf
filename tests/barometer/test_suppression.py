"""Complementary suppression: no hidden group's figures follow from what the page shows.

The attacker reads the statement's totals and every shown group's answers and agreeing
answers, and subtracts. What is left over belongs to the hidden groups together; it must
never be one group alone, nor fewer than 5 answers, nor all-agree or all-disagree (which
would give every hidden group's share).
"""

import re

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from barometer.models import Answer, OrganisationType, Question, Response, Statement, Survey
from barometer.results import MIN_GROUP_SIZE, suppress_groups, survey_results

pytestmark = pytest.mark.django_db

ORGANISATIONS = [value for value, _label in OrganisationType.choices] + [""]
LABELS = {value: str(label) for value, label in OrganisationType.choices} | {"": "ei ilmoitettu"}


def leftover_reveals_a_group(total_answers, total_agree, shown, hidden_sizes):
    """True when the subtraction tells something about a hidden group that totals do not."""
    if not shown or not hidden_sizes:
        return False  # no breakdown (only the totals), or nothing hidden
    pool_answers = total_answers - sum(answers for answers, _agree in shown)
    pool_agree = total_agree - sum(agree for _answers, agree in shown)
    return len(hidden_sizes) < 2 or pool_answers < MIN_GROUP_SIZE or pool_agree in (0, pool_answers)


def make_survey(year, statements):
    """statements: [{organisation: [value or "EOS" or None, …]}, …], one dict per statement."""
    survey = Survey.objects.create(
        year=year, title=f"Kysely {year}", state="closed", results_published=True
    )
    questions = [
        Question.objects.create(
            survey=survey,
            kind="likert",
            order=i,
            statement=Statement.objects.get_or_create(key=f"s{i}", defaults={"text": f"V {i}"})[0],
        )
        for i in range(len(statements))
    ]
    sizes = {}
    for groups in statements:
        for org, values in groups.items():
            sizes[org] = max(sizes.get(org, 0), len(values))
    for org, size in sizes.items():
        for row in range(size):
            response = Response.objects.create(
                survey=survey, organisation_type=org, submitted=timezone.now()
            )
            for question, groups in zip(questions, statements, strict=True):
                values = groups.get(org, [])
                value = values[row] if row < len(values) else None
                if value == "EOS":
                    Answer.objects.create(response=response, question=question, dont_know=True)
                elif value is not None:
                    Answer.objects.create(response=response, question=question, value=value)
    return survey


def check_no_group_recoverable(survey, statements):
    results = survey_results(survey)
    for result, groups in zip(results.statements, statements, strict=True):
        truth = {
            LABELS[org]: (
                sum(v is not None for v in values),
                sum(v in (4, 5) for v in values),
            )
            for org, values in groups.items()
        }
        truth = {label: counts for label, counts in truth.items() if counts[0]}
        shown = [
            (group.answers, round(group.agree_share * group.answers)) for group in result.breakdown
        ]
        for group in result.breakdown:
            assert truth[group.label][0] >= MIN_GROUP_SIZE
        hidden = set(truth) - {group.label for group in result.breakdown}
        assert not leftover_reveals_a_group(result.total, result.agree, shown, hidden), (
            groups,
            result.breakdown,
        )
        assert result.suppressed == bool(hidden)


def test_groups_of_10_and_2_show_no_breakdown_on_the_page(client, db):
    statements = [
        {"kunta": [5, 4, 4, 2, 1, 5, 5, 3, "EOS", 4], "yritys": [1, 2]},
        {"kunta": [1, 1, 2, 2, 3, 3, 4, 4, 5, 5], "yritys": [5, 5]},
    ]
    survey = make_survey(2030, statements)
    check_no_group_recoverable(survey, statements)
    page = client.get("/barometri/2030/").content.decode()
    assert "Samaa mieltä organisaation tyypin mukaan" not in page
    assert "ei näytetä tälle väittämälle" in page
    assert not re.search(r"\b1 alle 5 vastaajan ryhmä\b", page)  # never "exactly one"


@pytest.mark.parametrize(
    "statements",
    [
        # one small group next to two large: the smallest large one goes with it
        [{"kunta": [5] * 6 + [1] * 4, "yritys": [4, 4, 2, 2, 1, 5], "muu": [5, 5]}],
        # two small groups that both agree: their pool would tell 100 %, hide one more
        [{"kunta": [1, 2, 3, 4, 5] * 2, "yritys": [1, 2, 3, 4, 5, 5], "muu": [5], "": [4]}],
        # a group large in the survey but with few answers to this statement (skips)
        [
            {"kunta": [5] * 8, "yritys": [1, 2, 4, 5, 5, 4, 2, 1]},
            {"kunta": [5, 4, 3, 2, 1, 1, 2, 3], "yritys": [5, 4, None, None, None, None]},
        ],
        # nothing small: everything shown
        [{"kunta": [1, 2, 3, 4, 5], "yritys": [5, 5, 4, 1, 2]}],
    ],
)
def test_subtraction_recovers_no_hidden_group(db, statements):
    survey = make_survey(2031, statements)
    check_no_group_recoverable(survey, statements)


ANSWER = st.one_of(st.integers(1, 5), st.just("EOS"))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(
        st.dictionaries(
            st.sampled_from(ORGANISATIONS),
            st.lists(ANSWER, min_size=1, max_size=14),
            min_size=1,
            max_size=5,
        ),
        min_size=1,
        max_size=3,
    )
)
def test_subtraction_recovers_no_hidden_group_for_any_shape(db, statements):
    Survey.objects.filter(year=2032).delete()
    survey = make_survey(2032, statements)
    check_no_group_recoverable(survey, statements)


@given(
    st.lists(
        st.tuples(st.integers(1, 30), st.integers(0, 30)).map(lambda t: (t[0], min(t[0], t[1]))),
        min_size=1,
        max_size=7,
    )
)
def test_rule_alone_never_leaves_one_hidden_group_derivable(sizes):
    groups = [(f"g{i}", answers, agree) for i, (answers, agree) in enumerate(sizes)]
    shown, hidden = suppress_groups(groups)
    assert all(answers >= MIN_GROUP_SIZE for _org, answers, _agree in shown)
    assert sorted(shown + hidden) == sorted(groups)
    total_answers = sum(g[1] for g in groups)
    total_agree = sum(g[2] for g in groups)
    assert not leftover_reveals_a_group(
        total_answers, total_agree, [(g[1], g[2]) for g in shown], [g[0] for g in hidden]
    )
