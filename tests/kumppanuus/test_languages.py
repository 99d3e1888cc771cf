import ast
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from networks.models import Network

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)


def test_swedish_ui_and_network_names(client, demo_data):
    page = client.get("/sv/verkostot/").content.decode()
    assert '<html lang="sv">' in page
    assert "Nätverk och arbetsgrupper" in page  # UI text
    assert "Turismforumet" in page  # content in Swedish
    assert "Gå till innehållet" in page


def test_missing_swedish_name_falls_back_to_finnish(client, demo_data):
    Network.objects.filter(slug="matkailu").update(name_sv=None)
    page = client.get("/sv/verkostot/").content.decode()
    assert "Matkailufoorumi" in page


def test_english_version_and_finnish_default_without_prefix(client, demo_data):
    assert '<html lang="en">' in client.get("/en/ohjelma/").content.decode()
    assert "Progress of the regional programme 2020" in client.get("/en/ohjelma/").content.decode()
    finnish = client.get("/ohjelma/", HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert '<html lang="fi">' in finnish


def test_hreflang_alternates_and_switcher(client, demo_data):
    page = client.get("/verkostot/matkailu/").content.decode()
    for code, path in [
        ("fi", "/verkostot/matkailu/"),
        ("sv", "/sv/verkostot/matkailu/"),
        ("en", "/en/verkostot/matkailu/"),
    ]:
        assert f'hreflang="{code}" href="http://testserver{path}"' in page
    assert 'lang="sv">Svenska</a>' in page


def test_generated_sentence_in_swedish(client, demo_data):
    page = client.get("/sv/ohjelma/").content.decode()
    assert "av programmets 29 åtgärder" in page and "etablerad verksamhet" in page


SOURCE_IGNORE = shutil.ignore_patterns(
    ".venv", ".git", "staticfiles", "static", "test-artifacts", ".bench", "tests", "*.sqlite3"
)


@pytest.mark.skipif(
    shutil.which("xgettext") is None, reason="GNU gettext (xgettext) is not installed"
)
def test_every_ui_string_is_translated_in_swedish_and_english(tmp_path, settings, monkeypatch):
    """Extract the messages afresh from a copy of the sources, as makemessages would, and
    require a translation for every one of them."""
    import polib

    copy = tmp_path / "src"
    shutil.copytree(ROOT, copy, ignore=SOURCE_IGNORE)
    settings.LOCALE_PATHS = [copy / "locale"]
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=["sv", "en"], ignore_patterns=["scripts"], verbosity=0)
    for language in ("sv", "en"):
        catalogue = polib.pofile(str(copy / "locale" / language / "LC_MESSAGES" / "django.po"))
        missing = [e.msgid for e in catalogue if not e.translated() or e.fuzzy]
        assert not missing, f"{language}: {len(missing)} untranslated, e.g. {missing[:5]}"
        assert len(catalogue) > 400


def test_compiled_catalogues_are_in_the_repository():
    for language in ("sv", "en"):
        assert (ROOT / "locale" / language / "LC_MESSAGES" / "django.mo").exists()


def test_idea_form_help_text_follows_the_language(client, db):
    """A lazy text formatted with % at import time is frozen in Finnish on every language."""
    assert "Vähintään 10 ja enintään" in client.get("/kehittamisideat/").content.decode()
    for prefix in ("/sv", "/en"):
        page = client.get(f"{prefix}/kehittamisideat/").content.decode()
        assert "Vähintään" not in page and "merkkiä" not in page, prefix


def _import_time_formatting(tree):
    """`_("…") % …` or `_("…").format(…)` outside any function: evaluated once, in Finnish."""

    def is_gettext(node):
        return isinstance(node, ast.Call) and getattr(node.func, "id", "") in {
            "_",
            "gettext_lazy",
            "gettext",
        }

    found = []

    def visit(node, in_function):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            in_function = True
        if not in_function:
            if (
                isinstance(node, ast.BinOp)
                and isinstance(node.op, ast.Mod)
                and is_gettext(node.left)
            ):
                found.append(node.lineno)
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "format"
                and is_gettext(node.func.value)
            ):
                found.append(node.lineno)
        for child in ast.iter_child_nodes(node):
            visit(child, in_function)

    visit(tree, False)
    return found


def test_no_translated_text_is_formatted_at_import_time():
    offenders = []
    for app in ["kumppanuus", "networks", "programme", "barometer", "feedback"]:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for line in _import_time_formatting(ast.parse(path.read_text(encoding="utf-8"))):
                offenders.append(f"{path.relative_to(ROOT)}:{line}")
    assert offenders == [], "use django.utils.text.format_lazy: " + ", ".join(offenders)


def test_menu_search_and_footer_follow_the_language_of_each_request(client, db):
    """The chrome rendered once per language: a Swedish request in between does not leave
    Swedish in the Finnish page, and the menu still marks the page being shown."""
    for path, menu, search, footer in [
        (
            "/tapahtumat/",
            '"/tapahtumat/" aria-current="page">Tapahtumat',
            "Hae sivustolta",
            "Saavutettavuusseloste",
        ),
        (
            "/sv/tapahtumat/",
            '"/sv/tapahtumat/" aria-current="page">Evenemang',
            "Sök på webbplatsen",
            "/sv/saavutettavuusseloste/",
        ),
        (
            "/verkostot/",
            '"/verkostot/" aria-current="page">Verkostot',
            "Hae sivustolta",
            "Saavutettavuusseloste",
        ),
        (
            "/en/verkostot/",
            '"/en/verkostot/" aria-current="page">Networks',
            "Search the site",
            "/en/saavutettavuusseloste/",
        ),
    ]:
        page = client.get(path).content.decode()
        assert menu in page and search in page and footer in page, path
        assert page.count('aria-current="page"') == 1, path
