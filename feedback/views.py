from django.conf import settings
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.decorators import method_decorator
from django.views.generic import FormView, TemplateView
from django_ratelimit.decorators import ratelimit

from .forms import IdeaForm
from .models import Idea
from .services import idea_submit


def idea_rate(group, request):
    return settings.IDEA_RATE_LIMIT


@method_decorator(ratelimit(key="ip", rate=idea_rate, method="POST", block=False), name="post")
class IdeaFormView(FormView):
    template_name = "feedback/idea_form.html"
    form_class = IdeaForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            retention_months=settings.FEEDBACK_RETENTION_MONTHS, **kwargs
        )

    def post(self, request, *args, **kwargs):
        if getattr(request, "limited", False):
            return render(request, "feedback/rate_limited.html", status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        if not form.is_spam:
            idea_submit(form=form, language=translation.get_language())
        return redirect("feedback:idea-thanks")

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class IdeaThanksView(TemplateView):
    template_name = "feedback/idea_thanks.html"


class IdeaSummaryView(TemplateView):
    """How many ideas came in and what was done with them, without personal data."""

    template_name = "feedback/idea_summary.html"
    responses_shown = 30

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["years"] = Idea.objects.summary_by_year()
        context["responses"] = Idea.objects.with_public_response().only(
            "topic", "created", "state", "summary", "public_response"
        )[: self.responses_shown]
        return context
