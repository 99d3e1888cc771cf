import csv
import json
from urllib.parse import urlencode

from django import forms
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView, ListView, TemplateView

from networks.models import Network

from .history import programme_history
from .models import AssessmentRound, Measure, MeasureStatus, Priority, Programme
from .progress import (
    chart_rows,
    figures_sentence,
    headline_history,
    measures_with_headline,
)
from .selectors import round_figures_for, round_headline_ranks


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


def attach_headline_levels(measures, levels):
    by_rank = {level.rank: level for level in levels}
    for measure in measures:
        measure.headline_level = by_rank.get(measure.headline_rank)
    return measures


class ProgrammeView(ClosedRoundMixin, TemplateView):
    template_name = "programme/programme_overview.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        figures = round_figures_for(self.round)
        stored = round_headline_ranks(self.round)
        measures = Measure.objects.filter(programme_id=self.round.programme_id)
        if stored is None:
            measures = measures_with_headline(self.round)
        measures = list(
            measures.select_related("priority").order_by(
                "priority__order", "priority__code", "order", "code"
            )
        )
        if stored is not None:
            for measure in measures:
                measure.headline_rank = stored.get(measure.pk)
        measures = attach_headline_levels(measures, [item.level for item in figures.levels])
        context.update(
            figures=figures,
            sentence=figures_sentence(figures),
            measures=measures,
            figures_chart_rows=chart_rows(figures),
            chart_title=_("Toimenpiteet tilan mukaan %(year)s") % {"year": self.round.year},
            history=programme_history(self.round),
            history_title=_("Toimenpiteiden osuudet tilan mukaan vuosittain"),
        )
        return context


class MatrixFilterForm(forms.Form):
    painopiste = forms.ModelChoiceField(
        label=_("Painopiste"),
        queryset=Priority.objects.none(),
        required=False,
        empty_label=_("Kaikki painopisteet"),
        to_field_name="code",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    verkosto = forms.ModelChoiceField(
        label=_("Verkosto"),
        queryset=Network.objects.none(),
        required=False,
        empty_label=_("Kaikki verkostot"),
        to_field_name="slug",
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["painopiste"].queryset = programme.priorities.all()
        self.fields["verkosto"].queryset = Network.objects.filter(
            measures__programme=programme
        ).distinct()

    def selected(self, name):
        return self.cleaned_data.get(name) if self.is_valid() else None


class MatrixView(ClosedRoundMixin, ListView):
    template_name = "programme/matrix.html"
    context_object_name = "measures"
    paginate_by = 40

    def get_filter_form(self):
        if not hasattr(self, "_filter_form"):
            data = {k: self.request.GET.get(k, "") for k in ("painopiste", "verkosto")}
            self._filter_form = MatrixFilterForm(data, programme=self.round.programme)
        return self._filter_form

    def get_queryset(self):
        form = self.get_filter_form()
        measures = self.round.programme.measures.select_related("priority")
        if priority := form.selected("painopiste"):
            measures = measures.filter(priority=priority)
        if network := form.selected("verkosto"):
            measures = measures.filter(networks=network)
        return measures.order_by("order", "code")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = self.get_filter_form()
        measures = context["measures"]
        networks = list(form.fields["verkosto"].queryset.order_by("order", "name"))
        if selected := form.selected("verkosto"):
            networks = [selected]
        measure_ids = [m.pk for m in measures]
        promoted = set(
            Measure.networks.through.objects.filter(measure_id__in=measure_ids).values_list(
                "measure_id", "network_id"
            )
        )
        statuses = {
            (s.measure_id, s.network_id): s
            for s in MeasureStatus.objects.filter(
                round=self.round, measure_id__in=measure_ids
            ).select_related("level")
        }
        context.update(
            filter_form=form,
            networks=networks,
            rows=[
                (
                    measure,
                    [
                        (
                            network,
                            (measure.pk, network.pk) in promoted,
                            statuses.get((measure.pk, network.pk)),
                        )
                        for network in networks
                    ],
                )
                for measure in measures
            ],
            filter_query=self.filter_query(form),
        )
        return context

    def filter_query(self, form):
        query = {"vuosi": self.round.year}
        if priority := form.selected("painopiste"):
            query["painopiste"] = priority.code
        if network := form.selected("verkosto"):
            query["verkosto"] = network.slug
        return urlencode(query)


class MeasureDetailView(DetailView):
    template_name = "programme/measure_detail.html"
    context_object_name = "measure"
    slug_field = "code"
    slug_url_kwarg = "code"

    def get_programme(self):
        slug = self.request.GET.get("ohjelma")
        if slug:
            return get_object_or_404(Programme, slug=slug)
        latest = AssessmentRound.objects.latest_closed()
        if latest is None:
            programme = Programme.objects.order_by("-first_year").first()
            if programme is None:
                raise Http404
            return programme
        return latest.programme

    def get_queryset(self):
        return (
            Measure.objects.filter(programme=self.get_programme())
            .select_related("priority", "programme")
            .prefetch_related("networks")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        measure = self.object
        levels = {level.rank: level for level in measure.programme.levels.all()}
        statuses = (
            MeasureStatus.objects.public()
            .filter(measure=measure)
            .select_related("network", "level", "round")
            .order_by("-round__year", "network__order", "network__name")
        )
        context["statuses_by_year"] = _group_by_year(statuses)
        context["headline_history"] = [
            (year, levels.get(rank)) for year, rank in headline_history(measure)
        ]
        return context


def _group_by_year(statuses):
    groups = {}
    for status in statuses:
        groups.setdefault(status.round.year, []).append(status)
    return list(groups.items())


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
    return (
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
        .iterator(chunk_size=2000)
    )


class _Echo:
    def write(self, value):
        return value


def open_data_csv(request):
    writer = csv.writer(_Echo())
    lines = (writer.writerow(row) for row in _open_data_rows())
    response = StreamingHttpResponse(
        _prepend(writer.writerow(OPEN_DATA_FIELDS), lines), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="toimenpiteiden-tilat.csv"'
    return response


def open_data_json(request):
    def chunks():
        yield '{"lisenssi": "CC BY 4.0", "tilat": ['
        for index, row in enumerate(_open_data_rows()):
            yield ("," if index else "") + json.dumps(
                dict(zip(OPEN_DATA_FIELDS, row, strict=True)), ensure_ascii=False
            )
        yield "]}"

    return StreamingHttpResponse(chunks(), content_type="application/json; charset=utf-8")


def _prepend(first, rest):
    yield first
    yield from rest
