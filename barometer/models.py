from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OrganisationType(models.TextChoices):
    MUNICIPALITY = "kunta", _("kunta")
    EDUCATION = "oppilaitos", _("oppilaitos")
    COMPANY = "yritys", _("yritys")
    ASSOCIATION = "yhdistys tai järjestö", _("yhdistys tai järjestö")
    PUBLIC = "julkinen organisaatio", _("julkinen organisaatio")
    OTHER = "muu", _("muu")


LIKERT_LABELS = [
    (1, _("täysin eri mieltä")),
    (2, _("jokseenkin eri mieltä")),
    (3, _("ei samaa eikä eri mieltä")),
    (4, _("jokseenkin samaa mieltä")),
    (5, _("täysin samaa mieltä")),
]
DONT_KNOW = "EOS"


class Statement(models.Model):
    """A barometer statement, kept across years under a stable key so trends can be drawn."""

    key = models.SlugField(_("tunniste"), max_length=50, unique=True)
    text = models.CharField(_("väittämä"), max_length=300)
    is_headline = models.BooleanField(
        _("pääväittämä"), default=False, help_text=_("Näytetään barometrin etusivulla trendinä.")
    )

    class Meta:
        verbose_name = _("väittämä")
        verbose_name_plural = _("väittämät")
        ordering = ["-is_headline", "key"]

    def __str__(self):
        return self.text


class SurveyQuerySet(models.QuerySet):
    def published(self):
        return self.filter(state=Survey.State.CLOSED, results_published=True)

    def answers_final(self):
        """The surveys whose `answers_final` is true, as a query."""
        return self.filter(Q(results_first_published__isnull=False) | ~Q(frozen_by_review=""))


class Survey(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("luonnos")
        OPEN = "open", _("avoinna")
        CLOSED = "closed", _("suljettu")

    year = models.PositiveIntegerField(_("vuosi"), unique=True)
    title = models.CharField(_("otsikko"), max_length=200)
    intro = models.TextField(_("johdanto"), blank=True)
    opens = models.DateTimeField(_("avautuu"), null=True, blank=True)
    closes = models.DateTimeField(_("sulkeutuu"), null=True, blank=True)
    invited = models.PositiveIntegerField(
        _("kutsuttuja"),
        null=True,
        blank=True,
        help_text=_("Vastausprosenttia varten, jos tiedossa."),
    )
    state = models.CharField(_("tila"), max_length=10, choices=State.choices, default=State.DRAFT)
    results_published = models.BooleanField(_("tulokset julkaistu"), default=False)
    results_first_published = models.DateTimeField(
        _("tulokset julkaistu ensimmäisen kerran"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Siitä lähtien kyselyn vastaukset ovat lopulliset."),
    )
    responses_imported_at = models.DateTimeField(
        _("vastauksia tuotu viimeksi"), null=True, blank=True, editable=False
    )
    figures = models.JSONField(
        _("tallennetut tulokset"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Suljetun kyselyn tulokset, laskettu kerran sulkemisen yhteydessä."),
    )
    frozen_by_review = models.CharField(
        _("jäädyttävä vuosikatsaus"),
        max_length=200,
        blank=True,
        editable=False,
        help_text=_("Julkaistu vuosikatsaus, joka käyttää kyselyn tuloksia."),
    )

    objects = SurveyQuerySet.as_manager()

    class Meta:
        verbose_name = _("kysely")
        verbose_name_plural = _("kyselyt")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes__isnull=True)
                | Q(opens__isnull=True)
                | Q(closes__gt=models.F("opens")),
                name="survey_closes_after_opens",
            ),
            models.CheckConstraint(
                condition=Q(results_published=False) | Q(state="closed"),
                name="survey_results_only_when_closed",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("barometer:survey-results", kwargs={"year": self.year})

    @property
    def answers_final(self):
        """Its results have been public (or a published review uses them): its answers and
        statements stay as they are (barometer.services.survey_answers_refusal says why)."""
        return self.results_first_published is not None or bool(self.frozen_by_review)

    def clean(self):
        if self.opens and self.closes and self.closes <= self.opens:
            raise ValidationError(
                {"closes": _("Kysely ei voi sulkeutua ennen kuin se avautuu.")}, code="closes_early"
            )
        if self.results_published and self.state != self.State.CLOSED:
            raise ValidationError(
                {"results_published": _("Tulokset voi julkaista vasta, kun kysely on suljettu.")},
                code="publish_open",
            )

    def accepts_answers(self, now=None):
        now = now or timezone.now()
        if self.state != self.State.OPEN:
            return False
        return (self.opens is None or self.opens <= now) and (
            self.closes is None or now < self.closes
        )


class Question(models.Model):
    class Kind(models.TextChoices):
        LIKERT = "likert", _("väittämä (1–5 ja en osaa sanoa)")
        ORGANISATION = "organisation", _("organisaation tyyppi")
        OPEN_TEXT = "open_text", _("avoin vastaus")

    survey = models.ForeignKey(
        Survey, verbose_name=_("kysely"), on_delete=models.CASCADE, related_name="questions"
    )
    order = models.PositiveIntegerField(_("järjestys"), default=0)
    kind = models.CharField(_("tyyppi"), max_length=20, choices=Kind.choices)
    statement = models.ForeignKey(
        Statement,
        verbose_name=_("väittämä"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="questions",
    )
    text = models.CharField(
        _("kysymys"),
        max_length=300,
        blank=True,
        help_text=_("Organisaatio- ja avoimille kysymyksille."),
    )

    class Meta:
        verbose_name = _("kysymys")
        verbose_name_plural = _("kysymykset")
        ordering = ["survey", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "statement"], name="question_statement_once_per_survey"
            ),
            models.CheckConstraint(
                condition=Q(kind="likert", statement__isnull=False) | ~Q(kind="likert"),
                name="likert_question_has_statement",
            ),
        ]

    def __str__(self):
        return self.statement.text if self.statement_id else self.text

    def clean(self):
        if self.kind == self.Kind.LIKERT and not self.statement_id:
            raise ValidationError({"statement": _("Väittämäkysymykselle on valittava väittämä.")})


class Response(models.Model):
    class Source(models.TextChoices):
        WEB = "web", _("verkkolomake")
        IMPORT = "import", _("tuonti")

    survey = models.ForeignKey(
        Survey, verbose_name=_("kysely"), on_delete=models.CASCADE, related_name="responses"
    )
    submitted = models.DateTimeField(_("vastattu"), default=timezone.now)
    organisation_type = models.CharField(
        _("organisaation tyyppi"), max_length=30, choices=OrganisationType.choices, blank=True
    )
    source = models.CharField(_("lähde"), max_length=10, choices=Source.choices, default=Source.WEB)
    external_id = models.CharField(_("vastaajatunnus"), max_length=100, blank=True)
    client_network = models.CharField(
        _("lähettäjän verkko"),
        max_length=49,
        blank=True,
        help_text=_(
            "Verkkolomakkeen vastauksen lähettäjän osoitelohko (/24 tai /48), ei osoitetta."
        ),
    )
    # The answer form's own hidden token: the same form sent twice (a double click) is one
    # response. Empty for imported rows.
    submission_token = models.UUIDField(
        _("lähetystunniste"), null=True, blank=True, unique=True, editable=False
    )

    class Meta:
        verbose_name = _("vastaus")
        verbose_name_plural = _("vastaukset")
        ordering = ["survey", "submitted"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "external_id"],
                condition=~Q(external_id=""),
                name="response_external_id_unique",
            )
        ]
        indexes = [models.Index(fields=["survey", "organisation_type"], name="response_survey_org")]

    def __str__(self):
        return f"{self.survey.year} / {self.external_id or self.pk}"


class Answer(models.Model):
    # No index of their own: the unique (response, question) and the (question, value) index
    # start with these columns, and two redundant indexes made the bulk import 40 % slower.
    response = models.ForeignKey(
        Response,
        verbose_name=_("vastaus"),
        on_delete=models.CASCADE,
        related_name="answers",
        db_index=False,
    )
    question = models.ForeignKey(
        Question,
        verbose_name=_("kysymys"),
        on_delete=models.CASCADE,
        related_name="answers",
        db_index=False,
    )
    value = models.PositiveSmallIntegerField(
        _("arvo"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    dont_know = models.BooleanField(_("en osaa sanoa"), default=False)
    text = models.TextField(_("teksti"), blank=True, max_length=4000)

    class Meta:
        verbose_name = _("vastaus kysymykseen")
        verbose_name_plural = _("vastaukset kysymyksiin")
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question"], name="answer_once_per_question"
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(value__gte=1, value__lte=5),
                name="answer_value_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(dont_know=False),
                name="answer_value_or_dont_know",
            ),
        ]
        indexes = [models.Index(fields=["question", "value"], name="answer_question_value")]

    def __str__(self):
        if self.dont_know:
            return str(_("en osaa sanoa"))
        return str(self.value) if self.value else self.text[:50]
