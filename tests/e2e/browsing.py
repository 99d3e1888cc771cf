"""Helpers the browser tests share."""


def signed_out(page):
    """Leave the page, so its requests still in flight end, and forget every cookie. Cleared
    while a script request of the old page was under way, the cookies came back: its redirect
    to the login page set a CSRF cookie after the next login form was drawn with another, and
    that login was refused (403)."""
    page.goto("about:blank")
    page.context.clear_cookies()
