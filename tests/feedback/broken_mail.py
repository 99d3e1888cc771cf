from django.core.mail.backends.base import BaseEmailBackend


class BrokenBackend(BaseEmailBackend):
    """A mail server that is down. Its error names the recipients, as an SMTP refusal does:
    a log line that passes the error's text on would show them."""

    def send_messages(self, email_messages):
        recipients = [to for message in email_messages for to in message.to]
        raise ConnectionRefusedError(f"SMTP server unreachable, recipients {recipients}")
