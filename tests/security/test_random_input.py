"""Property-based: any value of any public query parameter gives a page or a 4xx, never a 500."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

PARAMETERS = {
    "/ohjelma/": ["vuosi"],
    "/ohjelma/matriisi/": ["vuosi", "painopiste", "verkosto", "page"],
    "/ohjelma/toimenpiteet/14/": ["ohjelma"],
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
