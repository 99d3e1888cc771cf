"""Property-based: any value of any query parameter or path segment of any URL the resolver
knows gives a page, a redirect or a 4xx, never a 5xx. CI runs it on SQLite and PostgreSQL."""

import re
from urllib.parse import quote

import pytest
from django.urls import LocalePrefixPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

PARAMETERS = {
    "/ohjelma/": ["vuosi"],
    "/ohjelma/matriisi/": ["vuosi", "painopiste", "verkosto", "page"],
    "/ohjelma/toimenpiteet/14/": ["ohjelma", "vuosi"],
    "/tapahtumat/": ["verkosto", "page"],
    "/haku/": ["q", "tyyppi", "page"],
    "/barometri/": ["vuosi"],
    "/kehittamisideat/koonti/": ["vuosi"],
}
values = st.one_of(
    st.text(max_size=60),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(["2020", "2021", "0", "-1", "1e9", "%00", "' OR 1=1", "../../etc", "ä" * 500]),
)


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    path=st.sampled_from(sorted(PARAMETERS)),
    data=st.data(),
)
def test_random_query_parameters_never_500(client, demo_data, path, data):
    params = {
        name: data.draw(values, label=name) for name in PARAMETERS[path] if data.draw(st.booleans())
    }
    response = client.get(path, params)
    assert response.status_code in (200, 400, 404), (path, params, response.status_code)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(segment=st.text(min_size=1, max_size=40).filter(lambda s: "/" not in s and "\x00" not in s))
def test_random_path_segments_never_500(client, demo_data, segment):
    from urllib.parse import quote

    for template in (
        "/verkostot/{}/",
        "/ohjelma/toimenpiteet/{}/",
        "/barometri/{}/",
        "/vuosikatsaus/{}/",
    ):
        response = client.get(template.format(quote(segment, safe="")))
        assert response.status_code in (200, 301, 302, 400, 404), (template, segment)


# Every URL pattern the resolver knows (public pages, feeds, i18n prefixes, the whole admin),
# with path segments and query parameters drawn from the odd values attackers send.
LANGUAGE_PREFIXES = ["", "sv/", "en/"]
ODD_VALUES = [
    "\x00",
    "a\x00b",
    "\ud800",
    "\udfff",
    str(10**20),
    str(-(10**20)),
    "1e400",
    "a" * 5000,
    "ä" * 1000,
    "%00",
    "../..",
    "\n",
    "' OR 1=1 --",
]
REAL_VALUES = ["1", "14", "2020", "2022", "matkailu", "fi", "1/change"]
segments = st.one_of(
    st.sampled_from(ODD_VALUES),
    st.sampled_from(REAL_VALUES),
    st.text(alphabet=st.sampled_from(["\x00", "\ud800", "ä", "a", "1", "%", " ", "\n"])),
    st.text(max_size=30),
)
PARAMETER_NAMES = sorted({name for names in PARAMETERS.values() for name in names}) + [
    "p",
    "o",
    "e",
    "all",
    "_changelist_filters",
    "_popup",
    "next",
    "\x00",
]
ROUTE_PART = re.compile(r"<(?:(\w+):)?\w+>")
REGEX_GROUP = re.compile(r"\(\?P<\w+>([^()]*)\)|\(([^()]*)\)")


def _walk(patterns, prefixes=("",)):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if isinstance(pattern.pattern, LocalePrefixPattern):
                inner = [p + language for p in prefixes for language in LANGUAGE_PREFIXES]
            else:
                inner = [p + _pattern_text(pattern.pattern) for p in prefixes]
            yield from _walk(pattern.url_patterns, tuple(inner))
        else:
            for prefix in prefixes:
                yield prefix + _pattern_text(pattern.pattern)


def _pattern_text(pattern):
    return pattern.regex.pattern if isinstance(pattern, RegexPattern) else str(pattern._route)


def all_url_patterns():
    return sorted(set(_walk(get_resolver().url_patterns)))


def _fill(template, draw):
    """A concrete path for a route or regex template: each variable part a drawn segment."""

    def quoted(value):
        return quote(value, safe="/" if value in REAL_VALUES else "", errors="surrogatepass")

    def route_part(match):
        if match.group(1) == "int" and draw(st.booleans()):
            return str(draw(st.integers(min_value=-(10**21), max_value=10**21)))
        return quoted(draw(segments))

    def regex_part(match):
        body = match.group(1) if match.group(1) is not None else match.group(2)
        if re.fullmatch(r"[\w|]+", body) and draw(st.booleans()):
            return draw(st.sampled_from(body.split("|")))
        return quoted(draw(segments))

    if template.startswith("^") or "(" in template:
        filled = REGEX_GROUP.sub(regex_part, template.replace("^", ""))
        filled = re.sub(r"\$|\\Z", "", filled).replace("\\", "")
    else:
        filled = ROUTE_PART.sub(route_part, template)
    return "/" + filled.lstrip("/")


@pytest.fixture
def superuser_client(db):
    from django.contrib.auth.models import User
    from django.test import Client

    user = User.objects.create_superuser("satunnainen", "s@example.fi", "x-salasana-1")
    visitor = Client()
    visitor.force_login(user)
    return visitor


def test_the_walk_finds_public_admin_and_translated_patterns():
    found = all_url_patterns()
    assert len(found) > 100
    assert {"ohjelma/toimenpiteet/<str:code>/", "sv/haku/", "healthz"} <= set(found)
    assert any(p.startswith("en/admin/") and "<path:object_id>/history/" in p for p in found)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_every_url_pattern_with_odd_segments_and_parameters_never_5xx(
    client, superuser_client, demo_data, data
):
    public, admin = [], []
    for pattern in all_url_patterns():
        (admin if "admin/" in pattern else public).append(pattern)
    # Public and admin patterns equally likely, though the admin has three times as many.
    template = data.draw(st.sampled_from(public) | st.sampled_from(admin), label="pattern")
    path = _fill(template, data.draw)
    names = data.draw(st.lists(st.sampled_from(PARAMETER_NAMES), max_size=3), label="names")
    query = "&".join(
        f"{quote(name, safe='')}={quote(data.draw(segments), safe='', errors='surrogatepass')}"
        for name in names
    )
    visitor = superuser_client if data.draw(st.booleans(), label="as superuser") else client
    response = visitor.get(f"{path}?{query}" if query else path)
    assert response.status_code < 500, (template, path, query, response.status_code)
