"""The scripts' form filler (scripts/browser.py) sends a form back as a browser would: the
rehearsals' admin saves depend on it."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from browser import FormMissing, form_fields  # noqa: E402

PAGE = """
<form method="post" id="logout-form"><input type="hidden" name="csrfmiddlewaretoken" value="x">
</form>
<form method="post" id="theme_form">
  <input type="hidden" name="csrfmiddlewaretoken" value="t0k">
  <input type="text" name="name_fi" value="Matkailu &amp; kulttuuri">
  <input type="text" name="empty">
  <input type="checkbox" name="active" checked>
  <input type="checkbox" name="archived">
  <input type="submit" name="_save" value="Tallenna">
  <select name="themes" multiple><option value="1" selected>a</option><option value="2">b</option>
    <option value="3" selected>c</option></select>
  <select name="kind"><option value="verkosto" selected>v</option></select>
  <textarea name="description">Rivi 1
Rivi 2</textarea>
</form>
"""


def test_fields_are_sent_back_unchanged():
    assert form_fields(PAGE, "theme_form") == {
        "csrfmiddlewaretoken": "t0k",
        "name_fi": "Matkailu & kulttuuri",
        "empty": "",
        "active": "on",
        "themes": ["1", "3"],
        "kind": "verkosto",
        "description": "Rivi 1\nRivi 2",
    }


def test_a_missing_form_is_an_error_not_an_empty_post():
    with pytest.raises(FormMissing):
        form_fields("<p>Palvelu on tilapäisesti poissa käytöstä</p>")
