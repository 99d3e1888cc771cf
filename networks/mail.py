"""Every email the portal sends is a pair of templates (`<name>.txt` and `<name>.html` under
`templates/emails/`), rendered in the recipient's language, with links from SITE_URL."""

from contextlib import suppress

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
    names the recipients, and this one reaches logs. `sent`: the messages the server took
    before it failed, in order."""

    def __init__(self, reason, sent=()):
        super().__init__(reason)
        self.sent = list(sent)


def emails_send(messages):
    """Send built messages one after another over one connection; returns how many were sent.
    Raises MailNotSent at the first one the server does not take, knowing which went before."""
    if not messages:
        return 0
    connection = get_connection()
    sent = []
    try:
        connection.open()
        for message in messages:
            if not connection.send_messages([message]):  # a backend that answers 0, silently
                break
            sent.append(message)
    except Exception as error:  # noqa: BLE001 - smtplib, socket and backend errors alike
        raise MailNotSent(type(error).__name__, sent=sent) from error
    finally:
        with suppress(Exception):  # every message went or the error says which did not
            connection.close()
    if len(sent) < len(messages):
        raise MailNotSent("NothingSent", sent=sent)
    return len(sent)


def mail_refusal(what_failed):
    """A staff action whose mail did not go: the Finnish message the admin shows (no 500)."""
    return ValidationError(
        f"{what_failed} "
        + _("Sähköpostipalvelin ei ottanut viestiä vastaan. Yritä hetken kuluttua uudelleen."),
        code="mail_not_sent",
    )
