"""Writes of the networks app: inviting contact persons to the admin."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from .mail import MailNotSent, email_build, emails_send, mail_refusal, site_url
from .roles import CONTACT_PERSONS


def set_password_url(user):
    """A one-time link to set the password (Django's token generator: it stops working once
    the password is set, and after PASSWORD_RESET_TIMEOUT)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return site_url(reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token}))


def contact_invite(*, contact, invited_by=None):
    """Give a contact person an admin account in the contact persons' group, linked to their
    networks through the contact record, and email them a link to set their own password.

    A contact who already has an account with a password is not invited again."""
    if not contact.email:
        raise ValidationError(
            _("Yhteyshenkilöllä %(name)s ei ole sähköpostiosoitetta.") % {"name": contact.name},
            code="no_email",
        )
    user = contact.user
    if user is not None and user.has_usable_password():
        raise ValidationError(
            _("%(name)s on jo ylläpidon käyttäjä.") % {"name": contact.name}, code="has_account"
        )
    with transaction.atomic():
        if user is None:
            user_model = get_user_model()
            if user_model.objects.filter(username__iexact=contact.email).exists():
                raise ValidationError(
                    _("Tunnus %(email)s on jo toisella henkilöllä.") % {"email": contact.email},
                    code="username_taken",
                )
            first, _sep, last = contact.name.partition(" ")
            user = user_model(
                username=contact.email, email=contact.email, first_name=first, last_name=last
            )
            user.set_unusable_password()
            user.is_staff = True
            user.save()
            contact.user = user
            contact.save(update_fields=["user"])
        user.groups.add(Group.objects.get(name=CONTACT_PERSONS))
        message = email_build(
            template="invitation",
            to=[contact.email],
            context={
                "contact": contact,
                "networks": list(contact.networks.all()),
                "url": set_password_url(user),
                "login_url": site_url(reverse("admin:index")),
                "invited_by": invited_by,
            },
        )
        try:
            emails_send([message])  # the last step: an unsent invitation creates no account
        except MailNotSent as error:
            failed = _("Kutsua ei voitu lähettää henkilölle %(name)s.") % {"name": contact.name}
            raise mail_refusal(failed) from error
    return user
