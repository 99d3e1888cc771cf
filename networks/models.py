from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reversing import reverse_by


class Theme(models.Model):
    name = models.CharField(_("nimi"), max_length=100, unique=True)
    slug = models.SlugField(_("tunniste"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("teema")
        verbose_name_plural = _("teemat")
        ordering = ["name"]

    def __str__(self):
        return self.name


class NetworkQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def for_detail(self):
        return self.active().prefetch_related(
            "themes",
            Prefetch("contacts", queryset=ContactPerson.objects.order_by("name")),
        )


class Network(models.Model):
    class Kind(models.TextChoices):
        NETWORK = "network", _("kumppanuusverkosto")
        SMART_SPECIALISATION = "smart_specialisation", _("älykkään erikoistumisen työryhmä")

    slug = models.SlugField(_("tunniste"), max_length=80, unique=True)
    name = models.CharField(_("nimi"), max_length=200)
    kind = models.CharField(_("tyyppi"), max_length=30, choices=Kind.choices, default=Kind.NETWORK)
    short_description = models.CharField(_("lyhyt kuvaus"), max_length=300, blank=True)
    description = models.TextField(
        _("kuvaus"), blank=True, help_text=_("Markdown-muotoilu on sallittu; HTML ei.")
    )
    themes = models.ManyToManyField(
        Theme, verbose_name=_("teemat"), related_name="networks", blank=True
    )
    how_to_join = models.TextField(
        _("miten mukaan"),
        blank=True,
        help_text=_("Kerro, miten verkostoon pääsee mukaan. Kaikki verkostot ovat avoimia."),
    )
    email = models.EmailField(_("sähköposti tai postituslista"), blank=True)
    active = models.BooleanField(_("toiminnassa"), default=True)
    order = models.PositiveIntegerField(_("järjestys"), default=0)

    objects = NetworkQuerySet.as_manager()

    class Meta:
        verbose_name = _("verkosto")
        verbose_name_plural = _("verkostot")
        ordering = ["order", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse_by("networks:network-detail", slug=self.slug)


class ContactPerson(models.Model):
    class Organisation(models.TextChoices):
        REGIONAL_COUNCIL = "liitto", _("Varsinais-Suomen liitto")
        ELY_CENTRE = "ely", _("Varsinais-Suomen ELY-keskus")
        OTHER = "muu", _("muu")

    name = models.CharField(_("nimi"), max_length=200)
    title = models.CharField(_("tehtävänimike"), max_length=200, blank=True)
    organisation = models.CharField(
        _("organisaatio"),
        max_length=10,
        choices=Organisation.choices,
        default=Organisation.REGIONAL_COUNCIL,
    )
    email = models.EmailField(_("sähköposti"), blank=True)
    phone = models.CharField(_("puhelin"), max_length=40, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("käyttäjätunnus"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contact_person",
        help_text=_("Tunnus, jolla yhteyshenkilö päivittää verkostojensa tietoja."),
    )
    networks = models.ManyToManyField(
        Network, verbose_name=_("verkostot"), related_name="contacts", blank=True
    )

    class Meta:
        verbose_name = _("yhteyshenkilö")
        verbose_name_plural = _("yhteyshenkilöt")
        ordering = ["name"]

    def __str__(self):
        return self.name


def networks_of_user(user):
    """The networks a user is a contact person for (empty for anyone else)."""
    if not user.is_authenticated:
        return Network.objects.none()
    return Network.objects.filter(contacts__user=user)


def can_edit_event(user, network):
    """Who may add, change or delete an event of `network` (None: the whole forum's event):
    editors any; a contact person only their own networks' events. The one rule for events,
    used by the admin's list, forms, saves and deletes alike."""
    if user.has_perm("networks.change_network"):
        return True
    if network is None or not user.has_perm("networks.change_event"):
        return False
    return networks_of_user(user).filter(pk=network.pk).exists()


class EventQuerySet(models.QuerySet):
    def upcoming(self, now=None):
        now = now or timezone.now()
        return self.filter(end__gte=now).order_by("start", "pk")  # pk: pages split ties alike

    def past(self, now=None):
        now = now or timezone.now()
        return self.filter(end__lt=now).order_by("-start", "-pk")

    def in_year(self, year):
        return self.filter(start__year=year)

    def with_network(self):
        return self.select_related("network")

    def public(self):
        """What visitors may see: events without a network or of an active one (a closed
        network's page is gone, and so are its events), the network joined in."""
        return self.with_network().exclude(network__active=False)


class Event(models.Model):
    title = models.CharField(_("otsikko"), max_length=200)
    network = models.ForeignKey(
        Network,
        verbose_name=_("verkosto"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        help_text=_("Jätä tyhjäksi, jos tapahtuma on koko kumppanuusfoorumin."),
    )
    start = models.DateTimeField(_("alkaa"))
    end = models.DateTimeField(_("päättyy"))
    place = models.CharField(_("paikka"), max_length=200, blank=True)
    online = models.BooleanField(_("verkossa"), default=False)
    description = models.TextField(_("kuvaus"), blank=True)
    registration_url = models.URLField(_("ilmoittautumislinkki"), blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("tapahtuma")
        verbose_name_plural = _("tapahtumat")
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gte=models.F("start")), name="event_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(online=True) | ~Q(place=""), name="event_has_place_or_online"
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse_by("networks:event-detail", pk=self.pk)

    def clean(self):
        if self.start and self.end and self.end < self.start:
            raise ValidationError(
                {"end": _("Tapahtuma ei voi päättyä ennen kuin se alkaa.")}, code="ends_early"
            )
        if not self.online and not self.place:
            raise ValidationError(
                {"place": _("Anna tapahtumapaikka tai merkitse tapahtuma verkkotapahtumaksi.")},
                code="no_place",
            )

    @property
    def is_past(self):
        return self.end < timezone.now()

    @property
    def location_label(self):
        return self.location_text(self.place, self.online)

    @staticmethod
    def location_text(place, online):
        if online and place:
            return _("%(place)s ja verkossa") % {"place": place}
        return place or _("verkossa")
