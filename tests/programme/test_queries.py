import pytest

from programme.generate import large_programme_generate

pytestmark = pytest.mark.django_db

# Before: the demo programme (29 measures, 13 networks, 3 rounds).
# After: the latest programme is 60 measures × 40 networks × 4 rounds = 9,600 statuses.
PAGES = {
    "overview": ("/ohjelma/", "/ohjelma/"),
    "matrix": ("/ohjelma/matriisi/", "/ohjelma/matriisi/"),
    "measure": ("/ohjelma/toimenpiteet/14/", "/ohjelma/toimenpiteet/T14/"),
    "network": ("/verkostot/matkailu/", "/verkostot/testiverkosto-7/"),
}


def test_programme_pages_query_count_does_not_grow_with_data(demo_data, count_queries):
    small = {name: count_queries(urls[0]) for name, urls in PAGES.items()}
    # Past every page size (40 measures, 15 networks a page) and the demo's years; the 300,000
    # statuses of the benchmark (scripts/bench.py --large) cost this test 90 s on PostgreSQL
    # and find no query the 9,600 here do not.
    large_programme_generate(measures=60, networks=40, rounds=4)
    large = {name: count_queries(urls[1]) for name, urls in PAGES.items()}
    assert large == small
