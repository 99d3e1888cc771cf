"""reverse_by gives exactly what reverse() gives, for every value reverse() accepts."""

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from reversing import reverse_by

AWKWARD = ["12", "1.2-a", "ä ö", "a b", "x?y", "50%", "#1", "a+b&c=d", "~:@!$'()*,;", "ﬁ"]


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
@pytest.mark.parametrize("value", AWKWARD)
def test_same_url_as_reverse(language, value):
    with translation.override(language):
        assert reverse_by("programme:measure-detail", code=value) == reverse(
            "programme:measure-detail", kwargs={"code": value}
        )


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_slugs_and_ids_in_every_language(language):
    with translation.override(language):
        for viewname, name, value in [
            ("networks:network-detail", "slug", "matkailu-2"),
            ("networks:event-detail", "pk", 7),
        ]:
            assert reverse_by(viewname, **{name: value}) == reverse(viewname, kwargs={name: value})


@pytest.mark.parametrize("value", ["", "a/b"])
def test_what_reverse_refuses_is_refused(value):
    with pytest.raises(NoReverseMatch):
        reverse_by("programme:measure-detail", code=value)
