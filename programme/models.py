from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from networks.models import Network
from reversing import reverse_by


class Programme(models.Model):
    name = models.CharField(_("nimi"), max_length=200)
    slug = models.SlugField(_("tunniste"), unique=True)
    first_year = models.PositiveIntegerField(_("ensimmäinen vuosi"))
    last_year = models.PositiveIntegerField(_("viimeinen vuosi"))
    description = models.TextField(_("kuvaus"), blank=True)

    class Meta:
        verbose_name = _("maakuntaohjelma")
        verbose_name_plural = _("maakuntaohjelmat")
        ordering = ["-first_year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_year__gte=F("first_year")), name="programme_years_in_order"
            )
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.first_year and self.last_year and self.last_year < self.first_year:
            raise ValidationError(
                {"last_year": _("Viimeinen vuosi ei voi olla ennen ensimmäistä vuotta.")},
                code="years_reversed",
            )

    @property
    def years(self):
        return range(self.first_year, self.last_year + 1)


class StatusLevel(models.Model):
    """One step of a programme's own status scale; rank 0 is the lowest."""

    programme = models.ForeignKey(
        Programme, verbose_name=_("ohjelma"), on_delete=models.CASCADE, related_name="levels"
    )
    rank = models.PositiveSmallIntegerField(_("järjestys"), help_text=_("0 on alin taso."))
    label = models.CharField(_("nimi"), max_length=100)
    description = models.CharField(_("kuvaus"), max_length=300, blank=True)
    colour = models.CharField(
        _("väri"),
        max_length=7,
        default="#dddddd",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Anna väri muodossa #rrggbb."))],
        help_text=_("Vaalea taustaväri; tila näytetään aina myös tekstinä."),
    )

    class Meta:
        verbose_name = _("tilan taso")
        verbose_name_plural = _("tilan tasot")
        ordering = ["programme", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "rank"], name="level_rank_unique"),
            models.UniqueConstraint(fields=["programme", "label"], name="level_label_unique"),
        ]

    def __str__(self):
        return self.label


class Priority(models.Model):
    programme = models.ForeignKey(
        Programme, verbose_name=_("ohjelma"), on_delete=models.CASCADE, related_name="priorities"
    )
    code = models.CharField(_("tunnus"), max_length=10)
    title = models.CharField(_("otsikko"), max_length=300)
    order = models.PositiveIntegerField(_("järjestys"), default=0)

    class Meta:
        verbose_name = _("painopiste")
        verbose_name_plural = _("painopisteet")
        ordering = ["programme", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="priority_code_unique")
        ]

    def __str__(self):
        return f"{self.code}. {self.title}"


class Measure(models.Model):
    programme = models.ForeignKey(
        Programme, verbose_name=_("ohjelma"), on_delete=models.CASCADE, related_name="measures"
    )
    priority = models.ForeignKey(
        Priority, verbose_name=_("painopiste"), on_delete=models.PROTECT, related_name="measures"
    )
    code = models.CharField(
        _("tunnus"),
        max_length=10,
        validators=[
            RegexValidator(
                r"^[0-9A-Za-z.-]+$",
                _("Tunnuksessa voi olla vain kirjaimia, numeroita, pisteitä ja viivoja."),
            )
        ],
    )
    title = models.CharField(_("otsikko"), max_length=400)
    description = models.TextField(_("kuvaus"), blank=True)
    networks = models.ManyToManyField(
        Network, verbose_name=_("edistävät verkostot"), related_name="measures", blank=True
    )
    order = models.PositiveIntegerField(_("järjestys"), default=0)

    class Meta:
        verbose_name = _("toimenpide")
        verbose_name_plural = _("toimenpiteet")
        ordering = ["programme", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="measure_code_unique")
        ]

    def __str__(self):
        return f"{self.code}. {self.title}"

    def get_absolute_url(self):
        return reverse_by("programme:measure-detail", code=self.code)

    def clean(self):
        if (
            self.priority_id
            and self.programme_id
            and self.priority.programme_id != self.programme_id
        ):
            raise ValidationError(
                {"priority": _("Painopisteen on kuuluttava samaan ohjelmaan kuin toimenpide.")},
                code="priority_programme",
            )


def programme_links(programme_id):
    """Today's links of a programme's measures to the networks promoting them (rows with
    measure_id and network_id): what an open round is assessed by, and a closing round keeps."""
    return Measure.networks.through.objects.filter(measure__programme_id=programme_id)


class AssessmentRoundQuerySet(models.QuerySet):
    def closed(self):
        return self.filter(state=AssessmentRound.State.CLOSED)

    def open(self):
        return self.filter(state=AssessmentRound.State.OPEN)

    def latest_closed(self):
        return self.closed().select_related("programme").order_by("-year").first()


class AssessmentRound(models.Model):
    class State(models.TextChoices):
        OPEN = "open", _("avoin")
        CLOSED = "closed", _("suljettu")

    programme = models.ForeignKey(
        Programme, verbose_name=_("ohjelma"), on_delete=models.CASCADE, related_name="rounds"
    )
    year = models.PositiveIntegerField(_("vuosi"))
    opens = models.DateField(_("avautuu"), null=True, blank=True)
    closes = models.DateField(_("sulkeutuu"), null=True, blank=True)
    state = models.CharField(_("tila"), max_length=10, choices=State.choices, default=State.OPEN)
    figures = models.JSONField(
        _("tallennetut luvut"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Suljetun kierroksen luvut, laskettu kerran sulkemisen yhteydessä."),
    )
    frozen_by_review = models.CharField(
        _("jäädyttävä vuosikatsaus"),
        max_length=200,
        blank=True,
        editable=False,
        help_text=_("Julkaistu vuosikatsaus, joka käyttää kierroksen lukuja."),
    )

    objects = AssessmentRoundQuerySet.as_manager()

    class Meta:
        verbose_name = _("arviointikierros")
        verbose_name_plural = _("arviointikierrokset")
        ordering = ["programme", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "year"], name="round_year_unique")
        ]

    def __str__(self):
        return _("Arviointi %(year)s (%(state)s)") % {
            "year": self.year,
            "state": self.get_state_display(),
        }

    @property
    def is_open(self):
        return self.state == self.State.OPEN

    @property
    def is_stored(self):
        """Closed, its figures and scope stored on closing: its pages read what was stored."""
        return not self.is_open and self.figures is not None

    def clean(self):
        if self.programme_id and self.year not in self.programme.years:
            raise ValidationError(
                {
                    "year": _("Vuoden on oltava ohjelmakaudella %(first)s–%(last)s.")
                    % {"first": self.programme.first_year, "last": self.programme.last_year}
                },
                code="year_outside_programme",
            )
        if self.opens and self.closes and self.closes < self.opens:
            raise ValidationError(
                {"closes": _("Kierros ei voi sulkeutua ennen kuin se avautuu.")},
                code="closes_early",
            )


class MeasureStatusQuerySet(models.QuerySet):
    def for_round(self, assessment_round):
        return self.filter(round=assessment_round)

    def public(self):
        return self.filter(round__state=AssessmentRound.State.CLOSED)

    def editable_by(self, user):
        """Rows a contact person may edit: their own networks, open rounds only."""
        return self.filter(
            network__contacts__user=user, round__state=AssessmentRound.State.OPEN
        ).distinct()


class LabelledManager(models.Manager):
    """The base manager of rows whose label names their related rows: the admin's delete
    confirmation lists every row it would delete, and reads them through this manager, so the
    labels come in one query, not one per row and relation."""

    def __init__(self, *related):
        super().__init__()
        self.related = related

    def deconstruct(self):
        return (False, f"{__name__}.{type(self).__name__}", None, self.related, None)

    def get_queryset(self):
        return super().get_queryset().select_related(*self.related)


def cascade_unless_frozen(collector, field, sub_objs, using):
    """Deleting a network or measure removes its statuses, except in a frozen round: refused."""
    round_ids = {status.round_id for status in sub_objs}
    frozen = AssessmentRound.objects.filter(pk__in=round_ids).exclude(frozen_by_review="").first()
    if frozen is not None:
        raise models.ProtectedError(
            _(
                "Arviointikierros %(year)s on jäädytetty, koska julkaistu vuosikatsaus "
                "”%(review)s” käyttää sen lukuja. Peru katsauksen julkaisu ensin."
            )
            % {"year": frozen.year, "review": frozen.frozen_by_review},
            [status for status in sub_objs if status.round_id == frozen.pk],
        )
    models.CASCADE(collector, field, sub_objs, using)


class MeasureStatus(models.Model):
    measure = models.ForeignKey(
        Measure,
        verbose_name=_("toimenpide"),
        on_delete=cascade_unless_frozen,
        related_name="statuses",
    )
    network = models.ForeignKey(
        Network,
        verbose_name=_("verkosto"),
        on_delete=cascade_unless_frozen,
        related_name="statuses",
    )
    round = models.ForeignKey(
        AssessmentRound,
        verbose_name=_("arviointikierros"),
        on_delete=models.CASCADE,
        related_name="statuses",
    )
    level = models.ForeignKey(
        StatusLevel, verbose_name=_("tila"), on_delete=models.PROTECT, related_name="statuses"
    )
    note = models.TextField(_("mitä on tehty"), max_length=1000, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("päivittäjä"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("päivitetty"), auto_now=True)
    copied = models.BooleanField(
        _("kopioitu edellisestä vuodesta"),
        default=False,
        help_text=_(
            "Tila on kopioitu edellisen vuoden arviosta, eikä kukaan ole vielä tarkistanut sitä."
        ),
    )
    history = HistoricalRecords(excluded_fields=["updated_at"])

    objects = MeasureStatusQuerySet.as_manager()
    labelled = LabelledManager("measure", "network", "round", "level")

    class Meta:
        base_manager_name = "labelled"
        verbose_name = _("toimenpiteen tila")
        verbose_name_plural = _("toimenpiteiden tilat")
        ordering = ["round", "measure", "network"]
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "network", "round"], name="status_once_per_round"
            )
        ]
        indexes = [models.Index(fields=["round", "measure"], name="status_round_measure")]
        permissions = [
            ("assess_all_networks", _("Voi muokata kaikkien verkostojen arvioita")),
        ]

    def __str__(self):
        return f"{self.measure.code} / {self.network} / {self.round.year}: {self.level}"

    def clean(self):
        errors = {}
        programme_id = self.measure.programme_id if self.measure_id else None
        if self.level_id and programme_id and self.level.programme_id != programme_id:
            errors["level"] = _("Tila kuuluu toisen ohjelman asteikkoon.")
        if self.round_id and programme_id and self.round.programme_id != programme_id:
            errors["round"] = _("Arviointikierros kuuluu toiseen ohjelmaan.")
        if (
            self.measure_id
            and self.network_id
            and not self.measure.networks.filter(pk=self.network_id).exists()
        ):
            errors["network"] = _("Verkosto ei edistä tätä toimenpidettä.")
        if errors:
            raise ValidationError(errors)


class RoundPromotion(models.Model):
    """A closed round's scope as it was when the round closed: one row per measure and network
    that promoted it then (no network: a measure nobody promoted). A closed round's pages list
    these rows, so a measure added or a network linked later does not change what the public
    saw of that year. Written on closing, removed on reopening."""

    round = models.ForeignKey(AssessmentRound, on_delete=models.CASCADE, related_name="promotions")
    measure = models.ForeignKey(Measure, on_delete=cascade_unless_frozen, related_name="+")
    network = models.ForeignKey(
        Network, on_delete=cascade_unless_frozen, null=True, related_name="+"
    )

    objects = models.Manager()
    labelled = LabelledManager("round", "measure", "network")

    class Meta:
        base_manager_name = "labelled"
        constraints = [
            models.UniqueConstraint(
                fields=["round", "measure", "network"], name="promotion_once_per_round"
            )
        ]
        indexes = [models.Index(fields=["round", "network"], name="promotion_round_network")]

    def __str__(self):
        return f"{self.round.year}: {self.measure.code} / {self.network or '–'}"


class AssessmentConfirmation(models.Model):
    """A contact person's word that a network's whole year is assessed (copies are not)."""

    round = models.ForeignKey(
        AssessmentRound,
        verbose_name=_("arviointikierros"),
        on_delete=models.CASCADE,
        related_name="confirmations",
    )
    network = models.ForeignKey(
        Network,
        verbose_name=_("verkosto"),
        on_delete=models.CASCADE,
        related_name="assessment_confirmations",
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("vahvistaja"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("vahvistettu"))

    class Meta:
        verbose_name = _("arvion vahvistus")
        verbose_name_plural = _("arvioiden vahvistukset")
        ordering = ["round", "network"]
        constraints = [
            models.UniqueConstraint(fields=["round", "network"], name="confirmation_once_per_round")
        ]

    def __str__(self):
        return _("%(network)s vahvisti vuoden %(year)s") % {
            "network": self.network,
            "year": self.round.year,
        }
