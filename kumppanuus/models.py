from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from barometer.models import Survey
from networks.models import ContactPerson, Network
from programme.models import AssessmentRound


class AnnualReviewQuerySet(models.QuerySet):
    def published(self):
        return self.filter(state=AnnualReview.State.PUBLISHED)


class AnnualReview(models.Model):
    """Kumppanuusvuosikatsaus: the staff's story of a year; its figures come from the data."""

    class State(models.TextChoices):
        DRAFT = "draft", _("luonnos")
        PUBLISHED = "published", _("julkaistu")

    year = models.PositiveIntegerField(_("vuosi"), unique=True)
    title = models.CharField(_("otsikko"), max_length=200)
    lead = models.TextField(_("ingressi"))
    state = models.CharField(_("tila"), max_length=10, choices=State.choices, default=State.DRAFT)
    published_at = models.DateTimeField(_("julkaistu"), null=True, blank=True, editable=False)
    assessment_round = models.ForeignKey(
        AssessmentRound,
        verbose_name=_("raportoitava arviointikierros"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviews",
    )
    survey = models.ForeignKey(
        Survey,
        verbose_name=_("raportoitava barometri"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviews",
    )
    contacts = models.ManyToManyField(
        ContactPerson, verbose_name=_("lisätietoja antavat"), blank=True, related_name="reviews"
    )
    figures = models.JSONField(
        _("julkaistut luvut"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Luvut sellaisina kuin ne julkaistiin; sivu näyttää nämä."),
    )
    # History is registered in translation.py, after the language fields exist.

    objects = AnnualReviewQuerySet.as_manager()

    class Meta:
        verbose_name = _("vuosikatsaus")
        verbose_name_plural = _("vuosikatsaukset")
        ordering = ["-year"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("review-detail", kwargs={"year": self.year})

    @property
    def is_published(self):
        return self.state == self.State.PUBLISHED


class ReviewSection(models.Model):
    review = models.ForeignKey(
        AnnualReview, verbose_name=_("katsaus"), on_delete=models.CASCADE, related_name="sections"
    )
    order = models.PositiveIntegerField(_("järjestys"), default=0)
    heading = models.CharField(_("väliotsikko"), max_length=200)
    body = models.TextField(_("teksti"), help_text=_("Markdown-muotoilu on sallittu; HTML ei."))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("katsauksen osio")
        verbose_name_plural = _("katsauksen osiot")
        ordering = ["review", "order", "pk"]

    def __str__(self):
        return self.heading


class Highlight(models.Model):
    class Category(models.TextChoices):
        PROJECT = "hanke", _("uusi hanke")
        EVENT = "tapahtuma", _("tapahtuma")
        COOPERATION = "yhteistyo", _("uusi yhteistyön muoto")
        INTERNATIONAL = "kansainvalinen", _("kansainvälinen kumppanuus")
        ROADMAP = "tiekartta", _("tiekartta tai suunnitelma")
        OTHER = "muu", _("muu")

    review = models.ForeignKey(
        AnnualReview, verbose_name=_("katsaus"), on_delete=models.CASCADE, related_name="highlights"
    )
    order = models.PositiveIntegerField(_("järjestys"), default=0)
    category = models.CharField(_("luokka"), max_length=20, choices=Category.choices)
    title = models.CharField(_("otsikko"), max_length=200)
    description = models.TextField(_("kuvaus"), blank=True)
    network = models.ForeignKey(
        Network,
        verbose_name=_("verkosto"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="highlights",
    )
    link = models.URLField(_("linkki"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("nosto")
        verbose_name_plural = _("nostot")
        ordering = ["review", "category", "order", "pk"]

    def __str__(self):
        return self.title


class ContentVersion(models.Model):
    """One row: a number, new (random, never reused) whenever public content changes. It lives
    in the database so that every process and instance sees a change at once, whatever the
    cache."""

    version = models.PositiveBigIntegerField(_("versio"), default=1)

    class Meta:
        verbose_name = _("sisällön versio")
        verbose_name_plural = _("sisällön versiot")

    def __str__(self):
        return str(self.version)
