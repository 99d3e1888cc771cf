from django.conf import settings
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.module_loading import import_string
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView, TemplateView
from django_ratelimit.decorators import ratelimit

from .forms import IdeaForm, idea_fields_html
from .selectors import idea_summary
from .services import idea_submit

# The one client-address function (CLIENT_IP_CALLABLE) is used by the rate limit and by
# the duplicate check alike; this app reads it from settings, not by importing the site app.


def idea_rate(group, request):
    return settings.IDEA_RATE_LIMIT


# An error report (were ADMINS ever set) shows a request's POST: not the sender's details.
@method_decorator(sensitive_post_parameters("name", "email", "organisation", "message"), "post")
@method_decorator(ratelimit(key="ip", rate=idea_rate, method="POST", block=False), name="post")
class IdeaFormView(FormView):
    template_name = "feedback/idea_form.html"
    form_class = IdeaForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        return idea_form_context(context.pop("form"), **context)

    def post(self, request, *args, **kwargs):
        if getattr(request, "limited", False):
            return idea_form_again(request, status=429, rate_limited=True)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        if not form.is_spam:
            idea_submit(
                form=form,
                language=translation.get_language(),
                client=import_string(settings.CLIENT_IP_CALLABLE)(self.request),
            )
        return redirect("feedback:idea-thanks")

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


def idea_form_again(request, *, status, **flags):
    """The idea form filled with what was sent, with a notice (`flags`) on why it was not
    stored: the rate limit (429) and a missing or expired CSRF cookie (403) keep the text."""
    context = idea_form_context(IdeaForm.refilled(request.POST), **flags)
    return TemplateResponse(request, IdeaFormView.template_name, context, status=status)


def idea_form_context(form, **extra):
    return {
        **extra,
        "form": form,
        "idea_fields": idea_fields_html(form),
        "retention_months": settings.FEEDBACK_RETENTION_MONTHS,
    }


class IdeaThanksView(TemplateView):
    template_name = "feedback/idea_thanks.html"


class IdeaSummaryView(TemplateView):
    """How many ideas came in and what was done with them, without personal data."""

    template_name = "feedback/idea_summary.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(summary_body=idea_summary(), **kwargs)
