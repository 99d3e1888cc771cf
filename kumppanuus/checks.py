"""Checks of `manage.py check --deploy`: settings that are fine in development only."""

from django.conf import settings
from django.core import checks

CONSOLE_MAIL = "django.core.mail.backends.console.EmailBackend"


@checks.register(checks.Tags.security, deploy=True)
def mail_is_sent(app_configs, **kwargs):
    """Without EMAIL_URL mail is printed to the log: senders' receipts, with their addresses."""
    if settings.EMAIL_BACKEND != CONSOLE_MAIL:
        return []
    return [
        checks.Warning(
            "Sähköpostit tulostetaan lokiin eikä niitä lähetetä (EMAIL_URL puuttuu): ideoiden "
            "lähettäjien kuittaukset osoitteineen päätyisivät lokeihin.",
            hint="Aseta EMAIL_URL, esim. smtp+tls://käyttäjä:salasana@smtp.example.fi:587.",
            id="kumppanuus.W001",
        )
    ]
