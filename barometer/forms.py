import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import DONT_KNOW, LIKERT_LABELS, OrganisationType, Question

HONEYPOT_FIELD = "kotisivu"


def question_field_name(question):
    return f"k{question.pk}"


class SurveyAnswerForm(forms.Form):
    """One field per question of the survey; every answer is optional (skipping is allowed)."""

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields[question_field_name(question)] = self._field_for(question)
        self.fields[HONEYPOT_FIELD] = forms.CharField(
            label=_("Jätä tämä kenttä tyhjäksi"), required=False, max_length=200
        )
        # Fresh on every page (the page cache fills it per visitor): a double click sends the
        # same one twice and is stored once. Optional: a form without one is simply not
        # recognised as a resend.
        self.fields["submission_token"] = forms.UUIDField(
            widget=forms.HiddenInput,
            initial=uuid.uuid4,
            required=False,
            error_messages={
                "invalid": _("Lomake on vanhentunut. Lataa sivu uudelleen ja vastaa uudestaan.")
            },
        )

    @staticmethod
    def _field_for(question):
        if question.kind == Question.Kind.LIKERT:
            return forms.ChoiceField(
                label=question.statement.text,
                choices=[(str(v), f"{v} – {label}") for v, label in LIKERT_LABELS]
                + [(DONT_KNOW, _("en osaa sanoa"))],
                widget=forms.RadioSelect,
                required=False,
            )
        if question.kind == Question.Kind.ORGANISATION:
            return forms.ChoiceField(
                label=question.text or _("Mitä organisaatiota edustat?"),
                choices=OrganisationType.choices,
                widget=forms.RadioSelect,
                required=False,
            )
        return forms.CharField(
            label=question.text or _("Mitä muuta haluat sanoa kumppanuustyöstä?"),
            widget=forms.Textarea(attrs={"rows": 4}),
            max_length=4000,
            required=False,
        )

    @property
    def is_spam(self):
        return bool(self.cleaned_data.get(HONEYPOT_FIELD))

    def answers(self):
        """(question, cleaned value) for every answered question."""
        for question in self.questions:
            value = self.cleaned_data.get(question_field_name(question))
            if value:
                yield question, value
