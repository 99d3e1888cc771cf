import pytest

from programme.generate import large_programme_generate

pytestmark = pytest.mark.django_db

# Before: the demo programme (29 measures, 13 networks, 3 rounds).
# After: the latest programme is 300 measures × 100 networks × 10 rounds = 300,000 statuses.
PAGES = {
    "overview": ("/ohjelma/", "/ohjelma/"),
    "matrix": ("/ohjelma/matriisi/", "/ohjelma/matriisi/"),
    "measure": ("/ohjelma/toimenpiteet/14/", "/ohjelma/toimenpiteet/T14/"),
    "network": ("/verkostot/matkailu/", "/verkostot/testiverkosto-7/"),
}


def test_programme_pages_query_count_does_not_grow_with_data(demo_data, count_queries):
    small = {name: count_queries(urls[0]) for name, urls in PAGES.items()}
    large_programme_generate(measures=300, networks=100, rounds=10)
    large = {name: count_queries(urls[1]) for name, urls in PAGES.items()}
    assert large == small
