import re
import unicodedata
import uuid
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import MinLengthValidator
from django.db import models
from django.db.models import Count
from django.db.models.functions import ExtractYear
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from networks.models import Network

MESSAGE_MIN_LENGTH = 10
MESSAGE_MAX_LENGTH = 4000
# The same text from the same client within this window is one idea (back and send again).
DUPLICATE_WINDOW = timedelta(minutes=30)


def visible_length(text):
    """How many characters of `text` a reader sees: not spaces, controls or invisible format
    characters (zero-width spaces, U+2063, direction marks)."""
    return sum(1 for ch in text if unicodedata.category(ch)[0] not in "CZ")


class MinVisibleLengthValidator(MinLengthValidator):
    """A minimum length counted in visible characters: twelve zero-width spaces are no idea."""

    def clean(self, x):
        return visible_length(x)


# What the sender gives of themselves: erased by the purge, shown to editors only.
PERSONAL_FIELDS = ["name", "email", "organisation", "consent_to_contact"]

# What stands where the sender's own name, email or organisation stood in a text shown to a
# network, or kept after the retention period.
REDACTED = "[poistettu]"


def without(text, *, emails=(), names=()):
    """`text` with each of `emails`, and each of `names` of two words or more, as REDACTED
    (any case, whole words). A one-word name stays: a first name alone identifies no one,
    and as a word ("Vanha", "Anna") it is often just a word of the text."""
    secrets = [e.strip() for e in emails if e.strip()]
    secrets += [n.strip() for n in names if len(n.split()) >= 2]
    for secret in sorted(set(secrets), key=len, reverse=True):
        pattern = rf"(?<!\w){re.escape(secret)}(?!\w)"
        text = re.sub(pattern, REDACTED, text, flags=re.IGNORECASE)
    return text


class IdeaQuerySet(models.QuerySet):
    def summary_counts(self):
        """(year, topic, state, count) rows for the public summary: numbers only."""
        return (
            self.annotate(year=ExtractYear("created"))
            .values("year", "topic", "state")
            .annotate(count=Count("pk"))
            .order_by("-year", "topic", "state")
            .values_list("year", "topic", "state", "count")
        )

    def with_public_response(self):
        return self.exclude(public_response="").order_by("-created")

    def forwarded_to_networks_of(self, user):
        return self.filter(forwarded_to__contacts__user=user).distinct()


def summary_by_year(counts):
    """[(year, {"total", "topics": {label: n}, "states": {label: n}})], newest first, of
    summary_counts() rows."""
    topics, states = dict(Idea.Topic.choices), dict(Idea.State.choices)
    years = {}
    for year_number, topic, state, count in counts:
        year = years.setdefault(year_number, {"total": 0, "topics": {}, "states": {}})
        year["total"] += count
        for group, labels, key in (("topics", topics, topic), ("states", states, state)):
            label = labels.get(key, key)
            year[group][label] = year[group].get(label, 0) + count
    return sorted(years.items(), reverse=True)


class Idea(models.Model):
    class Topic(models.TextChoices):
        WEBSITE = "verkkosivut", _("verkkosivut")
        FORUM = "toiminta", _("kumppanuusfoorumin toiminta")
        OTHER = "muu", _("muu")

    class State(models.TextChoices):
        NEW = "uusi", _("uusi")
        IN_PROGRESS = "kasittelyssa", _("käsittelyssä")
        ANSWERED = "vastattu", _("vastattu")
        ARCHIVED = "arkistoitu", _("arkistoitu")

    topic = models.CharField(_("aihe"), max_length=20, choices=Topic.choices)
    message = models.TextField(
        _("kehittämisidea"),
        max_length=MESSAGE_MAX_LENGTH,
        validators=[MinVisibleLengthValidator(MESSAGE_MIN_LENGTH)],
    )
    name = models.CharField(_("nimi"), max_length=200, blank=True)
    email = models.EmailField(_("sähköposti"), blank=True)
    organisation = models.CharField(_("organisaatio"), max_length=200, blank=True)
    consent_to_contact = models.BooleanField(_("saa ottaa yhteyttä"), default=False)
    created = models.DateTimeField(_("saapunut"), auto_now_add=True, db_index=True)
    state = models.CharField(_("tila"), max_length=20, choices=State.choices, default=State.NEW)
    forwarded_to = models.ForeignKey(
        Network,
        verbose_name=_("välitetty verkostolle"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ideas",
    )
    staff_note = models.TextField(_("toimituksen muistiinpano"), blank=True)
    network_note = models.TextField(
        _("verkoston muistiinpano"), blank=True, help_text=_("Verkoston yhteyshenkilön merkintä.")
    )
    summary = models.CharField(
        _("tiivistelmä ideasta"),
        max_length=300,
        blank=True,
        help_text=_(
            "Toimituksen hyväksymä lyhyt kuvaus ideasta, joka näytetään julkisen vastauksen "
            "yhteydessä. Älä kirjoita tähän henkilötietoja."
        ),
    )
    public_response = models.TextField(
        _("julkinen vastaus"),
        blank=True,
        help_text=_("Näytetään koontisivulla. Älä kirjoita tähän henkilötietoja."),
    )
    personal_data_purged_at = models.DateTimeField(
        _("henkilötiedot poistettu"), null=True, blank=True
    )
    client_hash = models.CharField(
        _("lähettäjän tunniste (tiiviste)"),
        max_length=64,
        blank=True,
        editable=False,
        help_text=_("Tiiviste lähettäjän osoitteesta kaksoislähetysten tunnistamiseen."),
    )
    language = models.CharField(_("lähettäjän kieli"), max_length=10, default="fi", editable=False)
    submission_token = models.UUIDField(
        _("lähetystunniste"), default=uuid.uuid4, unique=True, editable=False
    )

    objects = IdeaQuerySet.as_manager()

    class Meta:
        verbose_name = _("kehittämisidea")
        verbose_name_plural = _("kehittämisideat")
        ordering = ["-created"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(email="") | models.Q(consent_to_contact=True),
                name="idea_email_needs_consent",
            )
        ]

    def __str__(self):
        return _("Idea %(pk)s (%(topic)s)") % {"pk": self.pk, "topic": self.get_topic_display()}

    @property
    def excerpt(self):
        """The beginning of the idea, for lists."""
        return Truncator(" ".join(self.message.split())).chars(80)

    def without_sender(self, text):
        """`text` without the name, email and organisation the sender gave (people sign their
        ideas): what a network's contact persons see, and what is kept after the purge."""
        return without(text, emails=[self.email], names=[self.name, self.organisation])

    @property
    def message_for_network(self):
        return self.without_sender(self.message)

    @property
    def may_be_contacted(self):
        return bool(self.email) and self.consent_to_contact

    def clean(self):
        if self.email and not self.consent_to_contact:
            raise ValidationError(
                {
                    "consent_to_contact": _(
                        "Jos annat sähköpostiosoitteen, anna myös lupa ottaa sinuun yhteyttä – "
                        "tai jätä osoite pois."
                    )
                },
                code="consent_required",
            )
