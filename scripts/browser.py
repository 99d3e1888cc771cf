"""A small cookie-keeping HTTP client for the scripts, as a browser behind the TLS proxy would
be: the proxy's X-Forwarded-Proto makes each request https, so the Secure cookies are sent back
by hand, and forms are filled from the page's own fields. Standard library only."""

import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser


class FormMissing(LookupError):
    """The page has no such form (e.g. an error page came instead)."""


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


class Browser:
    def __init__(self, headers=None):
        self.cookies = {}
        self.headers = {"X-Forwarded-Proto": "https", **(headers or {})}

    def request(self, url, data=None, timeout=10):
        """(status, body text, Location header); a refused connection raises OSError."""
        headers = dict(self.headers)
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if data is not None:
            parts = urllib.parse.urlsplit(url)
            headers["Referer"] = f"https://{parts.netloc}/"
            data = urllib.parse.urlencode(data, doseq=True).encode()
        try:
            with OPENER.open(urllib.request.Request(url, data, headers), timeout=timeout) as r:
                return self._keep(r, r.status)
        except urllib.error.HTTPError as error:
            return self._keep(error, error.code)

    def _keep(self, response, status):
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, value = header.split(";")[0].partition("=")
            self.cookies[name.strip()] = value.strip()
        return status, response.read().decode("utf-8", "replace"), response.headers["Location"]

    def get(self, url):
        return self.request(url)

    def submit(self, url, form_id=None, **changes):
        """GETs `url`, fills its form (the one whose id is `form_id`, else the last POST form)
        as the page has it, applies `changes`, POSTs it back to `url`. When the page itself
        does not answer 200, that answer is returned and nothing is posted."""
        status, html, location = self.get(url)
        if status != 200:
            return status, html, location
        fields = form_fields(html, form_id)
        fields.update(changes)
        return self.request(url, fields)

    def log_in(self, base, username, password, admin="/admin/"):
        """The admin login form; returns the POST's status (302 when logged in)."""
        return self.submit(
            f"{base}{admin}login/?next={admin}", username=username, password=password
        )[0]


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms, self.current, self.select, self.textarea = [], None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("method", "get").lower() == "post":
            self.current = {"id": a.get("id"), "fields": []}
            self.forms.append(self.current)
        elif self.current is None or "name" not in a and tag != "option":
            return
        elif tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "file", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            default = "on" if kind in ("checkbox", "radio") else ""
            self.current["fields"].append((a["name"], a.get("value", default)))
        elif tag == "select":
            self.select = a["name"]
        elif tag == "option" and self.select and "selected" in a:
            self.current["fields"].append((self.select, a.get("value", "")))
        elif tag == "textarea":
            self.textarea = [a["name"], ""]

    def handle_data(self, data):
        if self.textarea:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "textarea" and self.textarea:
            self.current["fields"].append(tuple(self.textarea))
            self.textarea = None
        elif tag == "form":
            self.current = None


def form_fields(html, form_id=None):
    """{name: value or [values]} of a POST form as a browser would send it unchanged."""
    parser = _FormParser()
    parser.feed(html)
    forms = [f for f in parser.forms if form_id is None or f["id"] == form_id]
    if not forms:
        raise FormMissing(f"lomaketta {form_id or ''} ei löytynyt")
    fields = {}
    for name, value in forms[-1]["fields"]:
        if name in fields:
            previous = fields[name]
            fields[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            fields[name] = value
    return fields
