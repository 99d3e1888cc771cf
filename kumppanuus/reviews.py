"""What an annual review draws from the rest of the portal.

A draft shows live figures from its round and survey (the stored ones of a closed round or
survey, else computed), the year's events, its highlights with their networks and its contact
persons. Publishing stores all of that as the page shows it, in every language, with the
review (and so in its history); a published review renders only the stored copy, so nothing
done to the data afterwards (a network renamed, an event edited, a phone number changed)
changes what it says; the admin keeps the published review itself locked until an editor
unpublishes it.
"""

import json
from dataclasses import asdict, dataclass, field, fields
from types import SimpleNamespace

from django.conf import settings
from django.db.models import Count
from django.urls import reverse
from django.utils import translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

import fragments
from barometer.results import trends
from barometer.selectors import survey_results_for
from networks.models import Event, Network
from programme.progress import chart_rows, figures_sentence
from programme.selectors import round_figures_for

from .models import AnnualReview, Highlight

BODY_TEMPLATE = "kumppanuus/includes/review_body.html"


@dataclass
class ReviewFigures:
    programme_year: int | None = None
    programme_sentence: str = ""
    programme_chart: list = field(default_factory=list)
    barometer_year: int | None = None
    barometer_sentence: str = ""
    barometer_answers: int | None = None
    barometer_trend: list = field(default_factory=list)  # [(year, share, answers)]
    network_counts: dict = field(default_factory=dict)
    network_names: list = field(default_factory=list)
    # Plain data as the page shows it (see the *_snapshot functions), turned back into
    # objects the templates read by `thaw`.
    events: list = field(default_factory=list)
    highlight_groups: list = field(default_factory=list)  # [[category label, [highlight]]]
    contacts: list = field(default_factory=list)

    @property
    def programme(self):
        return self.programme_year is not None

    @property
    def barometer(self):
        return bool(self.barometer_sentence)

    @property
    def barometer_chart(self):
        return [(year, agree) for year, agree, _answers in self.barometer_trend]


REVIEW_FIGURES = [f.name for f in fields(ReviewFigures)]


def review_body(review):
    """The review's body as HTML (figures, sections, highlights, events, contacts), drawn once
    per distinct content (fragments.py) from plain data: a published review's stored figures,
    kept by their JSON text as read with the review (`fragments.with_json_text`); a draft's
    live figures exactly as publishing would store them; and its sections (1 query)."""
    sections = list(review.sections.order_by("order", "pk").values_list("heading", "body"))
    if review.is_published and fragments.holds_json(review.figures_json):
        return fragments.draw_with(
            BODY_TEMPLATE, _stored_body_context, review.figures_json, sections, review.year
        )
    figures = stored_review_figures(review)
    return fragments.draw_with(BODY_TEMPLATE, _body_context, figures, sections, review.year)


def page_reviews(may_preview):
    """The reviews the review page shows: the published ones, their stored figures read as
    JSON text; for an editor who may preview, drafts too, with the round and survey their
    live figures come from."""
    reviews = fragments.with_json_text(AnnualReview.objects.all(), "figures")
    if may_preview:
        return reviews.select_related("assessment_round__programme", "survey")
    return reviews.published()


def _stored_body_context(figures_json, sections, year):
    stored = json.loads(figures_json)
    languages = (translation.get_language(), settings.LANGUAGE_CODE)
    figures = next((stored[code] for code in languages if isinstance(stored.get(code), dict)), {})
    return _body_context(figures, sections, year)


def _body_context(stored, sections, year):
    # Only the fields ReviewFigures has today: one dropped later leaves old reviews readable.
    figures = ReviewFigures(**{name: stored[name] for name in REVIEW_FIGURES if name in stored})
    figures.barometer_trend = [tuple(point) for point in figures.barometer_trend]
    figures.events = [thaw(event) for event in figures.events]
    figures.highlight_groups = [
        (label, [thaw(highlight) for highlight in highlights])
        for label, highlights in figures.highlight_groups
    ]
    figures.contacts = [thaw(contact) for contact in figures.contacts]
    return {
        "figures": figures,
        "sections": sections,
        "year": year,
        "programme_url": reverse("programme:overview") + f"?vuosi={figures.programme_year}",
        "network_count_text": network_count_text(figures.network_counts),
        "programme_chart_title": _("Toimenpiteet tilan mukaan %(year)s") % {"year": year},
        "trend_title": _("Samaa mieltä olleiden osuus vuosittain"),
    }


def live_review_figures(review):
    figures = ReviewFigures()
    if review.assessment_round:
        programme = round_figures_for(review.assessment_round)
        figures.programme_year = review.assessment_round.year
        figures.programme_sentence = figures_sentence(programme)
        figures.programme_chart = [list(row) for row in chart_rows(programme)]
    if review.survey:
        results = survey_results_for(review.survey)
        headline = next((r for r in results.statements if r.statement.is_headline), None)
        if headline:
            figures.barometer_year = review.survey.year
            figures.barometer_sentence = headline.sentence
            figures.barometer_answers = headline.total
            figures.barometer_trend = [
                (year, agree, answers)
                for year, agree, answers in trends().get(headline.statement.key, [])
                if year <= review.year
            ]
    networks = list(Network.objects.active().order_by("kind", "order", "name"))
    figures.network_counts = dict(
        Network.objects.active().order_by().values_list("kind").annotate(n=Count("pk"))
    )
    figures.network_names = [network.name for network in networks]
    events = Event.objects.public().in_year(review.year).order_by("start", "pk")
    figures.events = [event_snapshot(event) for event in events]
    figures.highlight_groups = highlight_groups(review)
    figures.contacts = [contact_snapshot(person) for person in review.contacts.all()]
    return figures


def network_snapshot(network):
    """A network as a link shows it, with its name in this language if it has one (the
    templates' fallback_lang reads `name_<language>`)."""
    if network is None:
        return None
    language = translation.get_language()
    return {
        "name": network.name,
        f"name_{language}": getattr(network, f"name_{language}", ""),
        "url": network.get_absolute_url(),
    }


def event_snapshot(event):
    return {
        "title": event.title,
        "description": event.description,
        "place": event.place,
        "location_label": str(event.location_label),
        "start": event.start.isoformat(),
        "end": event.end.isoformat(),
        "url": event.get_absolute_url(),
        "network": network_snapshot(event.network),
    }


def highlight_groups(review):
    labels = dict(Highlight.Category.choices)
    groups = {}
    for highlight in review.highlights.select_related("network"):
        groups.setdefault(highlight.category, []).append(
            {
                "title": highlight.title,
                "description": highlight.description,
                "link": highlight.link,
                "network": network_snapshot(highlight.network),
            }
        )
    return [[str(labels[category]), groups[category]] for category in labels if category in groups]


def contact_snapshot(person):
    return {
        "name": person.name,
        "title": person.title,
        "organisation": person.get_organisation_display(),
        "phone": person.phone,
        "email": person.email,
    }


def thaw(data):
    """A stored event, highlight or contact as an object the templates read like the model:
    `get_absolute_url`, aware datetimes, a network with its own URL."""
    values = dict(data)
    if values.get("url"):
        values["get_absolute_url"] = values["url"]
    for moment in ("start", "end"):
        if moment in values:
            values[moment] = parse_datetime(values[moment])
    if "network" in values:
        values["network"] = values["network"] and thaw(values["network"])
    return SimpleNamespace(**values)


def review_figures_snapshot(review):
    """What publishing stores: the figures block as it reads in each language."""
    snapshot = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            snapshot[code] = stored_review_figures(review)
    return snapshot


def stored_review_figures(review):
    """The live figures in the current language exactly as the JSON field gives them back."""
    return json.loads(json.dumps(asdict(live_review_figures(review))))


def network_count_text(counts):
    networks = counts.get(Network.Kind.NETWORK, 0)
    groups = counts.get(Network.Kind.SMART_SPECIALISATION, 0)
    return _("%(networks)s kumppanuusverkostoa ja %(groups)s älykkään erikoistumisen työryhmää") % {
        "networks": networks,
        "groups": groups,
    }
