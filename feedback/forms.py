import uuid

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout, Submit
from django import forms
from django.template.loader import render_to_string
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

import fragments

from .models import MESSAGE_MAX_LENGTH, MESSAGE_MIN_LENGTH, Idea

HONEYPOT_FIELD = "kotisivu"
FIELDS_TEMPLATE = "feedback/includes/idea_fields.html"


class IdeaForm(forms.ModelForm):
    submission_token = forms.UUIDField(
        widget=forms.HiddenInput,
        initial=uuid.uuid4,
        error_messages={
            "required": _("Lomake on vanhentunut. Lataa sivu uudelleen ja lähetä idea uudestaan."),
            "invalid": _("Lomake on vanhentunut. Lataa sivu uudelleen ja lähetä idea uudestaan."),
        },
    )
    kotisivu = forms.CharField(
        label=_("Jätä tämä kenttä tyhjäksi"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    class Meta:
        model = Idea
        fields = ["topic", "message", "name", "email", "organisation", "consent_to_contact"]
        labels = {
            "topic": _("Mitä ideasi koskee?"),
            "message": _("Kehittämisidea"),
            "name": _("Nimi (vapaaehtoinen)"),
            "email": _("Sähköposti (vapaaehtoinen)"),
            "organisation": _("Organisaatio (vapaaehtoinen)"),
            "consent_to_contact": _("Minuun saa ottaa yhteyttä ideaani liittyen"),
        }
        help_texts = {
            "message": format_lazy(
                _("Vähintään {min} ja enintään {max} merkkiä."),
                min=MESSAGE_MIN_LENGTH,
                max=MESSAGE_MAX_LENGTH,
            ),
            "email": _("Jos haluat vastauksen, anna sähköpostiosoite ja lupa ottaa yhteyttä."),
        }
        widgets = {"topic": forms.RadioSelect, "message": forms.Textarea(attrs={"rows": 6})}
        error_messages = {
            "message": {
                "required": _("Kirjoita kehittämisideasi."),
                "min_length": _("Kerro ideasi vähintään %(limit_value)d merkillä."),
                "max_length": _("Idea on liian pitkä: enintään %(limit_value)d merkkiä."),
            },
            "topic": {
                "required": _("Valitse, mitä ideasi koskee."),
                "invalid_choice": _("Valitse aihe annetuista vaihtoehdoista."),
            },
            "email": {"invalid": _("Tarkista sähköpostiosoite, esimerkiksi nimi@esimerkki.fi.")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].choices = Idea.Topic.choices
        # static/js/site.js shows a live character count from this template (no JS: no count).
        self.fields["message"].widget.attrs["data-counter"] = gettext("{count} / {max} merkkiä")
        self.helper = FormHelper()
        self.helper.form_tag = False  # the page draws the form tag and its per-visitor tokens
        self.helper.layout = Layout(
            "topic",
            "message",
            "name",
            "email",
            "organisation",
            "consent_to_contact",
            Field(HONEYPOT_FIELD, wrapper_class="honeypot", aria_hidden="true"),
            Submit("laheta", _("Lähetä idea")),
        )

    @classmethod
    def refilled(cls, data):
        """An unbound form showing what was sent (no errors), to send again."""
        fields = [*cls.Meta.fields, "submission_token"]
        initial = {name: data.get(name, "") for name in fields if name in data}
        initial["consent_to_contact"] = bool(data.get("consent_to_contact"))
        return cls(initial=initial)

    @property
    def is_spam(self):
        return bool(self.cleaned_data.get(HONEYPOT_FIELD))


def idea_fields_html(form):
    """The idea form's fields as HTML, without the form tag and the per-visitor tokens (the
    page draws those). A blank form is then the same for every visitor: it is drawn once per
    language (fragments.py), as crispy-forms' field templates are most of the page's time. A
    refilled or invalid form is drawn with its own data and errors."""
    if form.is_bound or form.initial:
        return render_to_string(FIELDS_TEMPLATE, {"form": form})
    return fragments.draw_with(FIELDS_TEMPLATE, _blank_form_context)


def _blank_form_context():
    return {"form": IdeaForm()}
