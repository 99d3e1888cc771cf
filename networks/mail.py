"""Every email the portal sends is a pair of templates (`<name>.txt` and `<name>.html` under
`templates/emails/`), rendered in the recipient's language, with links from SITE_URL."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _


def site_url(path):
    """An absolute link for emails and feeds."""
    return settings.SITE_URL.rstrip("/") + path


def email_build(*, template, to, context, language=None):
    """One message from `templates/emails/<template>.{subject.txt,txt,html}`."""
    with translation.override(language or settings.LANGUAGE_CODE):
        context = {**context, "site_url": settings.SITE_URL.rstrip("/")}
        subject = render_to_string(f"emails/{template}.subject.txt", context).strip()
        text = render_to_string(f"emails/{template}.txt", context)
        html = render_to_string(f"emails/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=list(to),
    )
    message.attach_alternative(html, "text/html")
    return message


class MailNotSent(Exception):
    """The mail server did not take the messages (refused, unreachable, or silent for
    EMAIL_TIMEOUT seconds). Its text is the error's class only: an SMTP error's own text
    names the recipients, and this one reaches logs."""


def emails_send(messages):
    """Send built messages over one connection; returns how many were sent. Raises
    MailNotSent on any failure of the mail server (some of several may have gone)."""
    if not messages:
        return 0
    try:
        return get_connection().send_messages(messages)
    except Exception as error:  # noqa: BLE001 - smtplib, socket and backend errors alike
        raise MailNotSent(type(error).__name__) from error


def mail_refusal(what_failed):
    """A staff action whose mail did not go: the Finnish message the admin shows (no 500)."""
    return ValidationError(
        f"{what_failed} "
        + _("Sähköpostipalvelin ei ottanut viestiä vastaan. Yritä hetken kuluttua uudelleen."),
        code="mail_not_sent",
    )
