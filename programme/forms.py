from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AssessmentRound


class StatusRowForm(forms.Form):
    """One measure's rating on the contact person's screen; which measure is the row's index."""

    level = forms.TypedChoiceField(label=_("Tila"), required=False, empty_value=None)
    note = forms.CharField(
        label=_("Mitä on tehty"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, levels, **kwargs):
        """`levels`: the scale, read once for the whole screen (no query per row)."""
        super().__init__(*args, **kwargs)
        by_pk = {str(level.pk): level for level in levels}
        field = self.fields["level"]
        field.choices = [("", _("ei arvioitu"))] + [(pk, str(lv)) for pk, lv in by_pk.items()]
        field.coerce = lambda value: by_pk.get(str(value))  # unknown: refused by validate()


class BaseStatusFormSet(forms.BaseFormSet):
    def __init__(self, *args, levels, **kwargs):
        self.levels = list(levels)
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "levels": self.levels}


def status_formset(measures, levels, existing, data=None):
    """A formset with exactly one row per measure, prefilled from the existing statuses."""
    formset_class = forms.formset_factory(
        StatusRowForm,
        formset=BaseStatusFormSet,
        extra=0,
        min_num=len(measures),
        max_num=len(measures),
        validate_min=True,
        validate_max=True,
    )
    initial = [
        {
            "level": existing[m.pk].level_id if m.pk in existing else None,
            "note": existing[m.pk].note if m.pk in existing else "",
        }
        for m in measures
    ]
    return formset_class(data=data, initial=initial, levels=levels, prefix="tila")


class RoundCreateForm(forms.ModelForm):
    copy_previous = forms.BooleanField(
        label=_("Kopioi edellisen kierroksen tilat lähtökohdaksi"), required=False, initial=True
    )

    class Meta:
        model = AssessmentRound
        fields = ["programme", "year", "opens", "closes"]


class PriorityForm(forms.ModelForm):
    """A priority row of the programme form. Once the programme's structure is fixed
    (rules.structure_fixed), an existing priority's code is shown but not taken from the
    POST: closed years' matrix filters link by it. New priorities take any free code."""

    code_fixed = False  # set on the form class per request by the inline

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.code_fixed and self.instance.pk:
            self.fields["code"].disabled = True
