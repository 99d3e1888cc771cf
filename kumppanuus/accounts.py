"""Admin accounts: "Unohditko salasanasi?" on the admin login and the one-time link an invited
contact person sets their password with (Django's views and token generator, admin look)."""

import logging

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.urls import path
from django.utils.translation import get_language

from networks.mail import MailNotSent, email_build, emails_send

from . import twofactor

logger = logging.getLogger(__name__)


class MailedPasswordResetForm(PasswordResetForm):
    """The reset link goes like every other email of the portal: the `emails/password_reset`
    template pair in the page's language, with its link from SITE_URL, through
    networks.mail.emails_send. A failure is logged by the user's id and the error's class only:
    Django's own sending logs the SMTP error, whose text names the address."""

    def send_mail(
        self,
        subject_template_name,  # Django's template names: the portal's pair is used instead
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        message = email_build(
            template="password_reset", to=[to_email], context=context, language=get_language()
        )
        try:
            emails_send([message])
        except MailNotSent as error:
            logger.error("password reset mail for user %s not sent: %s", context["user"].pk, error)


class PasswordResetView(auth_views.PasswordResetView):
    form_class = MailedPasswordResetForm


def account_urls(admin_prefix):
    return [
        path(f"{admin_prefix}kaksivaihe/", twofactor.verify_view, name="two-factor-verify"),
        path(
            f"{admin_prefix}kaksivaihe/kayttoonotto/",
            twofactor.setup_view,
            name="two-factor-setup",
        ),
        path(
            f"{admin_prefix}salasana/",
            PasswordResetView.as_view(),
            name="admin_password_reset",
        ),
        path(
            f"{admin_prefix}salasana/lahetetty/",
            auth_views.PasswordResetDoneView.as_view(),
            name="password_reset_done",
        ),
        path(
            f"{admin_prefix}salasana/<uidb64>/<token>/",
            auth_views.PasswordResetConfirmView.as_view(),
            name="password_reset_confirm",
        ),
        path(
            f"{admin_prefix}salasana/valmis/",
            auth_views.PasswordResetCompleteView.as_view(),
            name="password_reset_complete",
        ),
    ]
