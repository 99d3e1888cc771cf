from django.core.mail.backends.base import BaseEmailBackend


class BrokenBackend(BaseEmailBackend):
    """A mail server that is down. Its error names the recipients, as an SMTP refusal does:
    a log line that passes the error's text on would show them."""

    def send_messages(self, email_messages):
        recipients = [to for message in email_messages for to in message.to]
        raise ConnectionRefusedError(f"SMTP server unreachable, recipients {recipients}")


class FailsAfterTwoBackend(BaseEmailBackend):
    """A mail server that takes two messages and then goes down mid-batch; what it took is in
    django.core.mail.outbox, as with the test backend."""

    def send_messages(self, email_messages):
        from django.core import mail

        taken = 0
        for message in email_messages:
            if len(mail.outbox) >= 2:
                raise ConnectionResetError("SMTP server went away")
            mail.outbox.append(message)
            taken += 1
        return taken
