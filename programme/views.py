import json

from django.http import Http404, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView, TemplateView

from csvutil import csv_response

from .history import history_section
from .models import AssessmentRound, Measure, MeasureStatus
from .progress import (
    chart_rows,
    figures_sentence,
    headline_history,
)
from .selectors import (
    MATRIX_PARAMETERS,
    badge_levels,
    default_programme_id,
    matrix_for_round,
    matrix_table,
    measure_assessments,
    measure_networks,
    measure_table,
    round_figures_for,
)


class ClosedRoundMixin:
    """Picks the closed round of `?vuosi=` (default: the latest). Open rounds are not public."""

    def closed_rounds(self):
        if not hasattr(self, "_closed_rounds"):
            self._closed_rounds = list(
                AssessmentRound.objects.closed().select_related("programme").order_by("-year")
            )
        return self._closed_rounds

    def get_round(self):
        rounds = self.closed_rounds()
        year = self.request.GET.get("vuosi")
        if not year:
            if not rounds:
                raise Http404(_("Yhtään arviointikierrosta ei ole vielä julkaistu."))
            return rounds[0]
        for assessment_round in rounds:
            if str(assessment_round.year) == year.strip():
                return assessment_round
        raise Http404(_("Vuodelta ei ole julkaistua arviota."))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["round"] = self.round
        context["programme"] = self.round.programme
        context["closed_years"] = [r.year for r in self.closed_rounds()]
        return context

    def dispatch(self, request, *args, **kwargs):
        self.round = self.get_round()
        return super().dispatch(request, *args, **kwargs)


class ProgrammeView(ClosedRoundMixin, TemplateView):
    template_name = "programme/programme_overview.html"
    cache_query_parameters = ("vuosi",)  # the page cache keys on these, redirects others

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        figures = round_figures_for(self.round)
        context.update(
            figures=figures,
            sentence=figures_sentence(figures),
            measure_table=measure_table(self.round, [item.level for item in figures.levels]),
            figures_chart_rows=chart_rows(figures),
            chart_title=_("Toimenpiteet tilan mukaan %(year)s") % {"year": self.round.year},
            history_section=history_section(self.round),
        )
        return context


class MatrixView(ClosedRoundMixin, TemplateView):
    template_name = "programme/matrix.html"
    cache_query_parameters = MATRIX_PARAMETERS

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["matrix"] = matrix = matrix_for_round(self.round, self.request.GET)
        context["matrix_table"] = matrix_table(matrix)
        return context


class MeasureDetailView(DetailView):
    template_name = "programme/measure_detail.html"
    context_object_name = "measure"
    cache_query_parameters = ("ohjelma", "vuosi")
    slug_field = "code"
    slug_url_kwarg = "code"

    def get_queryset(self):
        """The measures of `?ohjelma=` (a slug), by default of the latest closed round's
        programme or, before any, of the newest programme; the programme is read with the
        measure (1 query), not loaded first."""
        measures = Measure.objects.select_related("priority", "programme")
        slug = self.request.GET.get("ohjelma")
        if slug:
            return measures.filter(programme__slug=slug)
        return measures.filter(programme_id=self._default_programme_id())

    def _default_programme_id(self):
        programme = default_programme_id()
        if programme is None:
            raise Http404
        return programme

    def get_context_data(self, **kwargs):
        """The yearly headline of every published year, and the networks' assessments of one
        year (`?vuosi=`, default the latest): the page grows with the networks, not the years."""
        context = super().get_context_data(**kwargs)
        measure = self.object
        levels = badge_levels(measure.programme_id)
        history = headline_history(measure)
        years = [year for year, _rank in history]
        year = self._year(years)
        context["headline_history"] = [(year, levels.get(rank)) for year, rank in history]
        context["years"], context["year"] = years, year
        context["network_links"] = measure_networks(measure)
        context["assessments"] = measure_assessments(measure, year)
        return context

    def _year(self, years):
        asked = self.request.GET.get("vuosi", "").strip()
        if not asked:
            return years[-1] if years else None
        if asked in (str(year) for year in years):
            return int(asked)
        raise Http404(_("Vuodelta ei ole julkaistua arviota."))


OPEN_DATA_FIELDS = [
    "vuosi",
    "toimenpide",
    "toimenpide_nimi",
    "verkosto",
    "verkosto_nimi",
    "tila_jarjestys",
    "tila",
    "kuvaus",
]


def _open_data_rows():
    """Every public status as a list, read in full: a download is complete or a 503."""
    return list(
        MeasureStatus.objects.public()
        .order_by("round__year", "measure__order", "measure__code", "network__slug")
        .values_list(
            "round__year",
            "measure__code",
            "measure__title",
            "network__slug",
            "network__name",
            "level__rank",
            "level__label",
            "note",
        )
    )


def open_data_csv(request):
    return csv_response("toimenpiteiden-tilat.csv", OPEN_DATA_FIELDS, _open_data_rows())


def open_data_excel_csv(request):
    return csv_response(
        "toimenpiteiden-tilat-excel.csv", OPEN_DATA_FIELDS, _open_data_rows(), excel=True
    )


def open_data_json(request):
    rows = [dict(zip(OPEN_DATA_FIELDS, row, strict=True)) for row in _open_data_rows()]
    body = json.dumps({"lisenssi": "CC BY 4.0", "tilat": rows}, ensure_ascii=False)
    return HttpResponse(body, content_type="application/json; charset=utf-8")
