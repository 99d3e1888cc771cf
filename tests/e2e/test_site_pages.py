"""Every public page type in Finnish, Swedish and English, as a visitor sees it on a desktop
(1280 px) and a phone (390 px): a screenshot of each (kept under test-artifacts/screenshots/,
which CI keeps as artefacts), no sideways scroll at 320 and 390 px, nothing in the navigation
clipped or wrapped onto a second line, and axe-core with no violations.

One test per language, each walking all page types in one browser page, so the browser is
launched once per session and the demo data loaded three times in all."""

import pytest

from tests.e2e.conftest import ARTIFACTS
from tests.pages import PUBLIC_PAGE_TYPES, event_page_path

SHOTS = ARTIFACTS / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
NARROW = {"width": 320, "height": 640}

OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"

# Every visible link, button and field in the header: its box, and the boxes it must fit in.
NAV_BOXES = """() => {
  const header = document.querySelector('.site-header');
  const nav = header.querySelector('.site-nav .container');
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of header.querySelectorAll('a, button, input')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;  // collapsed on a phone
    const box = el.closest('.site-nav') ? nav.getBoundingClientRect() : {left: 0, right: width};
    out.push({text: (el.innerText || el.getAttribute('aria-label') || el.name || '').trim(),
              left: r.left, right: r.right, top: r.top,
              clipped: r.left < box.left - 0.5 || r.right > box.right + 0.5 || r.right > width
                       || el.scrollWidth > el.clientWidth + 1});
  }
  return out;
}"""


def _slug(path):
    cleaned = path.strip("/").replace("/", "_").replace("?", "_").replace("=", "-")
    return cleaned or "etusivu"


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_every_page_type_in_every_language(page, site, assert_accessible, language):
    prefix = "" if language == "fi" else f"/{language}"
    paths = [*PUBLIC_PAGE_TYPES, event_page_path(), "/ei-ole-olemassa/"]
    folder = SHOTS / language
    folder.mkdir(parents=True, exist_ok=True)
    problems = []
    for path in paths:
        page.set_viewport_size(DESKTOP)
        page.goto(site + prefix + path)
        assert page.locator("html").get_attribute("lang") == language, path
        page.screenshot(path=str(folder / f"{_slug(path)}-1280.png"), full_page=True)

        boxes = page.evaluate(NAV_BOXES)
        clipped = [box["text"] for box in boxes if box["clipped"]]
        if clipped:
            problems.append(f"{path} 1280 px: clipped in the header: {clipped}")
        main_links = page.evaluate(
            "[...document.querySelectorAll('.site-nav .navbar-nav .nav-link')]"
            ".map(a => Math.round(a.getBoundingClientRect().top))"
        )
        if len(set(main_links)) > 1:
            lines = len(set(main_links))
            problems.append(f"{path} 1280 px: the main navigation wraps onto {lines} lines")
        assert_accessible(page)

        for viewport in (PHONE, NARROW):
            page.set_viewport_size(viewport)
            overflow = page.evaluate(OVERFLOW)
            if overflow > 0:
                problems.append(f"{path} {viewport['width']} px: {overflow} px of sideways scroll")
            clipped = [box["text"] for box in page.evaluate(NAV_BOXES) if box["clipped"]]
            if clipped:
                problems.append(f"{path} {viewport['width']} px: clipped in the header: {clipped}")
        page.set_viewport_size(PHONE)
        page.screenshot(path=str(folder / f"{_slug(path)}-390.png"), full_page=True)

    # The phone menu opens, and every item in it fits on the screen.
    page.goto(site + prefix + "/")
    page.locator(".navbar-toggler").click()
    page.locator("#paavalikko.show").wait_for()
    clipped = [box["text"] for box in page.evaluate(NAV_BOXES) if box["clipped"]]
    if clipped:
        problems.append(f"phone menu open: clipped {clipped}")
    page.screenshot(path=str(folder / "valikko-auki-390.png"), full_page=True)
    assert not problems, "\n".join(problems)
