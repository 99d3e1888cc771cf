import json

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.generic import TemplateView
from django_ratelimit.decorators import ratelimit

from csvutil import csv_response

from .clientnet import client_network, survey_rate
from .forms import SurveyAnswerForm
from .models import Survey
from .selectors import (
    barometer_index,
    open_data_rows,
    published_survey,
    survey_results_body,
)
from .services import response_submit

ANSWERED_COOKIE = "barometri_vastattu"
ANSWERED_SALT = "barometer.answered"


class BarometerIndexView(TemplateView):
    template_name = "barometer/index.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(index_body=barometer_index(), **kwargs)


class SurveyResultsView(TemplateView):
    template_name = "barometer/survey_results.html"

    def get_context_data(self, **kwargs):
        survey = published_survey(self.kwargs["year"])
        return super().get_context_data(
            survey=survey, results_body=survey_results_body(survey), **kwargs
        )


def _answered_years(request):
    """Years this browser has answered, from a signed cookie (tampering reads as none)."""
    value = request.get_signed_cookie(ANSWERED_COOKIE, default="", salt=ANSWERED_SALT)
    return {int(year) for year in value.split(",") if year.isdigit()}


@method_decorator(ratelimit(key="ip", rate=survey_rate, method="POST", block=False), name="post")
class SurveyAnswerView(View):
    template_name = "barometer/survey_answer.html"

    def dispatch(self, request, *args, **kwargs):
        self.survey = get_object_or_404(
            Survey.objects.exclude(state=Survey.State.DRAFT), year=kwargs["year"]
        )
        self.questions = list(self.survey.questions.select_related("statement"))
        return super().dispatch(request, *args, **kwargs)

    def render_page(self, form=None, status=200, **extra):
        context = {"survey": self.survey, "form": form, **extra}
        return render(self.request, self.template_name, context, status=status)

    def refusal(self):
        """Why the form is not offered, or None when it is."""
        if self.survey.year in _answered_years(self.request):
            return "answered"
        if self.survey.accepts_answers():
            return None
        opens = self.survey.opens
        if self.survey.state == Survey.State.OPEN and opens and opens > timezone.now():
            return "not_yet_open"
        return "closed"

    def get(self, request, year):
        if refusal := self.refusal():
            return self.render_page(refusal=refusal)
        return self.render_page(SurveyAnswerForm(questions=self.questions))

    def post(self, request, year):
        if getattr(request, "limited", False):
            return render(
                request, "barometer/rate_limited.html", {"survey": self.survey}, status=429
            )
        if refusal := self.refusal():
            return self.render_page(refusal=refusal, status=409 if refusal == "answered" else 403)
        form = SurveyAnswerForm(request.POST, questions=self.questions)
        if not form.is_valid():
            return self.render_page(form, status=400)
        if not form.is_spam:
            try:
                response_submit(
                    survey=self.survey, form=form, client_network=client_network(request)
                )
            except ValidationError:
                return self.render_page(refusal="closed", status=403)
        redirect_response = redirect("barometer:survey-thanks", year=self.survey.year)
        years = sorted(_answered_years(request) | {self.survey.year})
        redirect_response.set_signed_cookie(
            ANSWERED_COOKIE,
            ",".join(str(year) for year in years),
            salt=ANSWERED_SALT,
            max_age=60 * 60 * 24 * 365,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
        return redirect_response


class SurveyThanksView(TemplateView):
    template_name = "barometer/survey_thanks.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["survey"] = get_object_or_404(Survey, year=self.kwargs["year"])
        return context


OPEN_DATA_FIELDS = ["vuosi", "vaittama", "vaittama_teksti", "vastauksia", "samaa_mielta_osuus"]


def open_data_csv(request):
    return csv_response("kumppanuusbarometri.csv", OPEN_DATA_FIELDS, sorted(open_data_rows()))


def open_data_excel_csv(request):
    return csv_response(
        "kumppanuusbarometri-excel.csv", OPEN_DATA_FIELDS, sorted(open_data_rows()), excel=True
    )


def open_data_json(request):
    rows = [dict(zip(OPEN_DATA_FIELDS, row, strict=True)) for row in sorted(open_data_rows())]
    body = json.dumps({"lisenssi": "CC BY 4.0", "tulokset": rows}, ensure_ascii=False)
    return HttpResponse(body, content_type="application/json; charset=utf-8")
