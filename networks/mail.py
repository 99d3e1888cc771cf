"""Every email the portal sends is a pair of templates (`<name>.txt` and `<name>.html` under
`templates/emails/`), rendered in the recipient's language, with links from SITE_URL."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.utils import translation


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


def emails_send(messages):
    """Send built messages over one connection; returns how many were sent."""
    if not messages:
        return 0
    return get_connection().send_messages(messages)
