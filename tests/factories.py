from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from feedback.models import Idea
from networks.models import ContactPerson, Event, Network, Theme


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"kayttaja{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.fi")
    is_staff = True
    password = factory.django.Password("salasana-testi-123")


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme

    name = factory.Sequence(lambda n: f"Teema {n}")
    slug = factory.Sequence(lambda n: f"teema-{n}")


class NetworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Network

    slug = factory.Sequence(lambda n: f"verkosto-{n}")
    name = factory.Sequence(lambda n: f"Verkosto {n}")
    short_description = "Testiverkosto"


class ContactPersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactPerson

    name = factory.Sequence(lambda n: f"Yhteys Henkilö {n}")
    title = "asiantuntija"
    email = factory.Sequence(lambda n: f"yhteys{n}@example.fi")

    @factory.post_generation
    def networks(self, create, extracted, **kwargs):
        if create and extracted:
            self.networks.set(extracted)


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    title = factory.Sequence(lambda n: f"Tapahtuma {n}")
    network = factory.SubFactory(NetworkFactory)
    start = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    end = factory.LazyAttribute(lambda event: event.start + timedelta(hours=2))
    place = "Turku"


class IdeaFactory(factory.django.DjangoModelFactory):
    """An idea whose sender gave a name and an address and may be contacted."""

    class Meta:
        model = Idea

    topic = "muu"
    message = factory.Sequence(lambda n: f"Kehittämisidea numero {n}.")
    name = "Sanna Salainen"
    email = "sanna@example.org"
    consent_to_contact = True


def programme_with_scale(labels=("ei", "valmistelussa", "käynnissä"), **kwargs):
    from programme.models import Programme, StatusLevel

    programme = Programme.objects.create(
        name=kwargs.get("name", "Testiohjelma"),
        slug=kwargs.get("slug", "testiohjelma"),
        first_year=kwargs.get("first_year", 2022),
        last_year=kwargs.get("last_year", 2025),
    )
    levels = [
        StatusLevel.objects.create(programme=programme, rank=rank, label=label)
        for rank, label in enumerate(labels)
    ]
    return programme, levels
