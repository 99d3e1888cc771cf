"""Page fragments drawn once per distinct input.

Django's template engine is most of an uncached page's time, and much of what a page draws is
the same on every request: a closed year's charts and tables, the network cards, the event
list. A fragment here is a template drawn from plain data alone, so its HTML is a pure function
of that data, the language and the time zone, and it is kept by exactly those (the last
FRAGMENT_MEMO_SIZE fragments of the process). Nothing is ever invalidated: the database is read
on every request as before, a changed row is different data and so a new key, drawn anew.
What a body is derived from is best the key itself (`draw_with`): the raw rows as read, and a
closed year's stored figures as their JSON text (`with_json_text`), decoded only to draw.

Plain data: text, numbers, dates, None, and tuples or lists of them; named tuples keep their
field names for the template. A model instance, a dict or any other object is refused, because
it could change under the same key. The key tells safe HTML from text and 1 from 1.0 and True,
so two inputs that a template would draw differently never share a key. The template gets no
request and no context besides its data, so nothing of a visitor can enter a kept fragment.

A standalone module like csvutil.py: every app's selectors use it without importing another app.
"""

import datetime
import decimal
import threading
from collections import OrderedDict

from django.conf import settings
from django.db.models import TextField
from django.db.models.functions import Cast
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.safestring import SafeData, mark_safe
from django.utils.translation import get_language

SCALARS = (
    int,
    float,
    bool,
    decimal.Decimal,
    datetime.date,
    datetime.datetime,
    datetime.time,
    datetime.timedelta,
)
_kept = OrderedDict()
_lock = threading.Lock()


def draw(template_name, **data):
    """`template_name` drawn with `data` (plain values) as its whole context."""
    return _kept_or_drawn(
        (template_name, None, plain_key(data)), lambda: render_to_string(template_name, data)
    )


def draw_with(template_name, build, *args):
    """`template_name` drawn with the context `build(*args)` returns, kept by the plain `args`:
    for a chart, whose geometry is derived from its rows."""
    return _kept_or_drawn(
        (template_name, build, plain_key(args)),
        lambda: render_to_string(template_name, build(*args)),
    )


def plain_key(value):
    """A hashable key that only equal plain data shares; TypeError for anything else."""
    if type(value) is str or value is None:
        return value
    if isinstance(value, str):  # SafeString and other str subclasses are drawn differently
        return (SafeData if isinstance(value, SafeData) else str, str(value))
    if isinstance(value, Promise):
        return str(value)  # lazy text in the current language, which is part of the key
    if isinstance(value, decimal.Decimal):
        return (decimal.Decimal, str(value))  # 1.0 and 1.00 are equal but print differently
    if isinstance(value, SCALARS):
        return (type(value), value)
    if isinstance(value, dict) and all(type(name) is str for name in value):
        return ("context", tuple(sorted((name, plain_key(v)) for name, v in value.items())))
    if isinstance(value, list | tuple):
        return (type(value), tuple(plain_key(item) for item in value))
    raise TypeError(f"a fragment's data must be plain values, not {type(value).__name__}")


def with_json_text(rows, field):
    """`rows` with the JSON field `field` read as its text, as `<field>_json`, not decoded: a
    fragment kept by that text (a closed year's stored figures) costs no decoding when it is
    kept; it is decoded only to be drawn."""
    return rows.defer(field).annotate(**{f"{field}_json": Cast(field, TextField())})


def holds_json(text):
    """Whether a JSON field read by with_json_text holds a JSON object with members, as stored
    figures are: NULL, {}, [], null or any other value reads as nothing stored."""
    stripped = (text or "").strip()
    return stripped.startswith("{") and stripped[1:].lstrip() != "}"


def holds_object(value):
    """holds_json of a JSON field as decoded: a dict with members."""
    return isinstance(value, dict) and bool(value)


def fallback_lang(obj, field):
    """' lang="fi"' when the page is in Swedish or English but `obj.field` shows Finnish: the
    field has no text in the page's language and modeltranslation fell back to Finnish, or the
    field is not translated at all (events). Screen readers then read it with Finnish rules and
    the browser hyphenates it as Finnish. '' when the text is in the page's language."""
    default = settings.MODELTRANSLATION_DEFAULT_LANGUAGE
    language = _page_language()
    if language == default or not getattr(obj, field, ""):
        return ""
    if getattr(obj, f"{field}_{language}", None):
        return ""
    return format_html(' lang="{}"', default)


def language_columns(field):
    """`field`'s column in every language of the site: "text" → ("text_fi", "text_sv", …)."""
    return tuple(f"{field}_{code}" for code, _name in settings.LANGUAGES)


class TranslatedFields:
    """Translated fields read as plain values instead of model instances, for tables of
    hundreds of rows: `columns` (each field's column in the page's language and in Finnish, one
    on a Finnish page) to add to values_list(), and `texts(values)` turning those values back
    into (text, lang attribute) per field. Related fields are named as in values_list()
    ("level__label"). modeltranslation's own rewriting of values_list() is not used: it
    reorders a row's values when it falls back."""

    def __init__(self, *fields):
        default = settings.MODELTRANSLATION_DEFAULT_LANGUAGE
        languages = dict.fromkeys([_page_language(), default])  # one on a Finnish page
        self.columns = [f"{field}_{language}" for field in fields for language in languages]
        self.width = len(languages)

    def texts(self, values):
        return [
            translated_text(*values[start : start + self.width])
            for start in range(0, len(values), self.width)
        ]


def translated_text(own, finnish=""):
    """(text, lang attribute) from a field's text in the page's language and in Finnish, as
    modeltranslation falls back and as `fallback_lang` marks it."""
    if own or not finnish:
        return own or "", ""
    return finnish, format_html(' lang="{}"', settings.MODELTRANSLATION_DEFAULT_LANGUAGE)


def finnish_only(text):
    """(text, lang attribute) for a field kept in Finnish alone, as `fallback_lang` marks it."""
    if _page_language() == settings.MODELTRANSLATION_DEFAULT_LANGUAGE:
        return text, ""
    return translated_text("", text)


def _page_language():
    return (get_language() or settings.MODELTRANSLATION_DEFAULT_LANGUAGE).split("-")[0]


def forget_all():
    """Empty the memo (tests that change templates or settings mid-process)."""
    with _lock:
        _kept.clear()


def _kept_or_drawn(data_key, render):
    size = settings.FRAGMENT_MEMO_SIZE
    if not size:
        return mark_safe(render())
    key = (*data_key, get_language(), timezone.get_current_timezone_name())
    with _lock:
        html = _kept.get(key)
        if html is not None:
            _kept.move_to_end(key)
            return html
    html = mark_safe(render())
    with _lock:
        _kept[key] = html
        while len(_kept) > size:
            _kept.popitem(last=False)
    return html
