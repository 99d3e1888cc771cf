import pytest

from tests.e2e.conftest import ARTIFACTS


@pytest.mark.parametrize("path", ["/vuosikatsaus/", "/vuosikatsaus/2020/"])
def test_review_pages_have_no_axe_violations(page, site, path, assert_accessible):
    page.goto(site + path)
    assert_accessible(page)


def test_print_layout_of_the_2020_review(page, site, screenshot):
    page.goto(site + "/vuosikatsaus/2020/")
    page.emulate_media(media="print")
    assert not page.locator(".site-footer").is_visible()
    assert not page.locator("a.btn", has_text="Kerro kehittämisideasi").is_visible()
    assert page.get_by_text("28 (97\u00a0%)").first.is_visible()
    screenshot(page, "review-2020-print")
    page.pdf(path=str(ARTIFACTS / "review-2020.pdf"), format="A4")
