"""Admin accounts: "Unohditko salasanasi?" on the admin login and the one-time link an invited
contact person sets their password with (Django's views and token generator, admin look)."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import path

from . import twofactor


class PasswordResetView(auth_views.PasswordResetView):
    """The reset email is a text + HTML template pair with its link from SITE_URL."""

    subject_template_name = "emails/password_reset.subject.txt"
    email_template_name = "emails/password_reset.txt"
    html_email_template_name = "emails/password_reset.html"

    @property
    def extra_email_context(self):
        return {"site_url": settings.SITE_URL.rstrip("/")}


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
