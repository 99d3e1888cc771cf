"""Second factor for the admin (django-otp): editors, who publish and see personal data, must
verify a TOTP code (or a one-time recovery code) after the password; contact persons may opt in
by setting up a device. One rule decides who needs it: `needs_second_factor`."""

from base64 import b32encode
from datetime import timedelta
from urllib.parse import urlencode

import django_otp
from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_totp.models import TOTPDevice

from networks.mail import MailNotSent, mail_refusal
from networks.roles import is_editor

from .services import (
    mailbox_code_minutes,
    mailbox_code_send,
    mailbox_code_use,
    throttle_wait,
    two_factor_confirm,
)


def needs_second_factor(user):
    """Editors always; anyone else once they have set up a device (opt-in)."""
    if not settings.TWO_FACTOR_REQUIRED or not user.is_authenticated or not user.is_staff:
        return False
    return is_editor(user) or django_otp.user_has_device(user)


def signed_in_fully(user):
    """Whether the user has given every factor their role needs: staff rights count only then,
    in the admin and on the public site (a draft review's preview) alike."""
    return not needs_second_factor(user) or user.is_verified()


def has_staff_permission(user, permission):
    """Whether a staff right counts on the public site (a draft review's preview): held by a
    staff member who has given every factor. Without staff status the admin is closed to the
    user, and so is what its rights would show elsewhere, whatever groups they keep."""
    return user.is_staff and user.has_perm(permission) and signed_in_fully(user)


class SecondFactorMiddleware:
    """Inside the admin, a signed-in user who needs a second factor and has not given one this
    session is sent to give it (or to set one up); the login, logout, password and second-factor
    pages themselves stay open."""

    OPEN = ("login/", "logout/", "salasana/", "kaksivaihe/", "jsi18n/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        admin_root = reverse("admin:index")
        path = request.path_info
        if (
            path.startswith(admin_root)
            and not path[len(admin_root) :].startswith(self.OPEN)
            and not signed_in_fully(request.user)
        ):
            target = (
                "two-factor-verify"
                if django_otp.user_has_device(request.user)
                else ("two-factor-setup")
            )
            return _to(target, request.get_full_path())
        return self.get_response(request)


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Vahvistuskoodi"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        help_text=_("Kuusinumeroinen koodi todennussovelluksesta tai yksi varakoodeistasi."),
        error_messages={"required": _("Anna vahvistuskoodi.")},
    )

    def clean(self):
        # Only the last of repeated fields would be read: each code is one try, one at a time.
        if hasattr(self.data, "getlist") and len(self.data.getlist("token")) > 1:
            self.add_error("token", _("Anna yksi koodi kerrallaan."))
        return super().clean()


class MailboxCodeForm(TokenForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["token"].help_text = _("Kuusinumeroinen koodi sähköpostiviestistä.")


def _to(view_name, next_url):
    """A redirect to a second-factor page that returns to `next_url` afterwards."""
    return redirect(f"{reverse(view_name)}?{urlencode({'next': next_url}, safe='/')}")


def _next(request):
    target = request.POST.get("next") or request.GET.get("next") or reverse("admin:index")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("admin:index")
    return target


def _render(request, template, **context):
    # The admin's frame without its menu: before the code, the menu would list what the
    # person may reach (the pages themselves are closed, but the list is not theirs to see yet).
    frame = {
        **admin.site.each_context(request),
        "available_apps": [],
        "is_nav_sidebar_enabled": False,
    }
    return TemplateResponse(request, template, {**frame, "next": _next(request), **context})


def _signed_in_with(request, device):
    """The factor is given: a new session id, so one seen before (fixed by someone else, or
    read off the password-only session) is not the one that counts as verified."""
    django_otp.login(request, device)
    request.session.cycle_key()


def _refusal(wait):
    """Why a code was not taken: it was sent while waiting after wrong ones, or it was wrong."""
    if wait is not None:
        return _("Liian monta väärää koodia. Odota hetki ja yritä sitten uudelleen.")
    return _("Koodi ei kelpaa. Tarkista sovelluksen koodi ja kellonaika.")


def _waiting(response, wait):
    """A code sent while wrong ones make the person wait: 429 with Retry-After. (A code
    refused otherwise is a form sent back with its errors: RefusedFormMiddleware's 400.)"""
    if wait:
        response.status_code = 429
        response["Retry-After"] = str(wait)
    return response


def _token_form(request):
    return TokenForm(request.POST if request.method == "POST" else None)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required(login_url="admin:login")
def verify_view(request):
    """After the password: the code from the authenticator app or a recovery code."""
    form = _token_form(request)
    wait = None
    if form.is_valid():
        wait = throttle_wait(django_otp.devices_for_user(request.user))
        device = django_otp.match_token(request.user, form.cleaned_data["token"].strip())
        if device is not None:
            _signed_in_with(request, device)
            if not TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
                # Signed in with a recovery code after a reset: set the app up again.
                return _to("two-factor-setup", _next(request))
            return redirect(_next(request))
        form.add_error("token", _refusal(wait))
    response = _render(
        request, "admin/twofactor/verify.html", form=form, title=_("Kaksivaiheinen tunnistus")
    )
    return _waiting(response, wait)


SETUP_DEVICE = "two_factor_setup_device"


def _device_being_set_up(request):
    """This session's own new app, with a secret no other session has seen: a second browser
    signed in with the same password gets another one, and only the one confirmed counts."""
    device = TOTPDevice.objects.filter(
        pk=request.session.get(SETUP_DEVICE), user=request.user, confirmed=False
    ).first()
    if device is None:
        # Setups no session can still finish (older than a session lives) are left-overs.
        abandoned = timezone.now() - timedelta(seconds=settings.SESSION_COOKIE_AGE)
        TOTPDevice.objects.filter(
            user=request.user, confirmed=False, created_at__lt=abandoned
        ).delete()
        device = TOTPDevice.objects.create(user=request.user, confirmed=False, name="sovellus")
        request.session[SETUP_DEVICE] = device.pk
    return device


SETUP_MAILBOX = "two_factor_setup_mailbox"


def _mailbox_proven(request):
    """Before an app is registered, the person shows a second thing besides the password: a
    factor given this session (a recovery code after a reset, or the app being replaced) or
    a code mailed to the account's present address. A stolen password alone registers no
    app."""
    user = request.user
    return user.is_verified() or request.session.get(SETUP_MAILBOX) == [user.pk, user.email]


def _masked(email):
    """ "m…a@example.fi": enough for the person to recognise, not the whole address."""
    local, _at, domain = email.partition("@")
    return f"{local[:1]}…{local[-1:] if len(local) > 1 else ''}@{domain}"


def _seconds(count):
    return ngettext("%(n)s sekunnin", "%(n)s sekunnin", count) % {"n": count}


def _send_code(user):
    """Mail a code: (what the page tells, its status, seconds to wait or None)."""
    try:
        wait = mailbox_code_send(user=user)
    except MailNotSent:
        return mail_refusal(_("Koodia ei lähetetty.")).message, 503, 30
    if wait is not None:
        too_soon = _("Uuden koodin voi pyytää %(after)s kuluttua.")
        return too_soon % {"after": _seconds(wait)}, 429, wait
    minutes = mailbox_code_minutes()
    notice = ngettext(
        "Koodi on lähetetty osoitteeseen %(email)s. Se on voimassa %(n)s minuutin.",
        "Koodi on lähetetty osoitteeseen %(email)s. Se on voimassa %(n)s minuuttia.",
        minutes,
    )
    return notice % {"email": _masked(user.email), "n": minutes}, 200, None


def _code_refusal(wait):
    if wait is not None:
        return _(
            "Liian monta väärää koodia. Seuraavan koodin voi antaa %(after)s kuluttua; jos "
            "odotus venyy, pyydä ylläpitäjää palauttamaan tunnistuksesi."
        ) % {"after": _seconds(wait)}
    return _("Koodi ei kelpaa tai on vanhentunut. Pyydä tarvittaessa uusi koodi.")


def _mailbox_step(request):
    """Send a code to the account's email address and take it back; then the setup goes on
    in a session with a new id (one fixed by someone else does not carry the proof)."""
    user = request.user
    sending = request.method == "POST" and "send" in request.POST
    form = MailboxCodeForm(request.POST if request.method == "POST" and not sending else None)
    notice, status, retry_after = None, 200, None
    if not user.email:
        status = 403
    elif sending:
        notice, status, retry_after = _send_code(user)
    elif form.is_valid():
        proven, wait = mailbox_code_use(user=user, token=form.cleaned_data["token"].strip())
        if proven:
            request.session[SETUP_MAILBOX] = [user.pk, user.email]
            request.session.cycle_key()
            return _to("two-factor-setup", _next(request))
        form.add_error("token", _code_refusal(wait))
        if wait:
            status, retry_after = 429, wait
    response = _render(
        request,
        "admin/twofactor/mailbox.html",
        form=form,
        email=_masked(user.email) if user.email else "",
        notice=notice,
        notice_is_error=status != 200,
        title=_("Vahvista sähköpostiosoitteesi"),
    )
    response.status_code = status
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@require_http_methods(["GET", "HEAD", "POST"])
@login_required(login_url="admin:login")
def setup_view(request):
    """Set up an authenticator app: prove the mailbox (unless a factor is already given),
    show the secret, confirm with one code, then show the recovery codes once. For editors
    who have none yet, and for anyone who opts in."""
    if django_otp.user_has_device(request.user) and not request.user.is_verified():
        return _to("two-factor-verify", _next(request))
    if not _mailbox_proven(request):
        return _mailbox_step(request)
    device = _device_being_set_up(request)
    form = _token_form(request)
    wait = None
    if form.is_valid():
        wait = throttle_wait([device])
        if wait is None and device.verify_token(form.cleaned_data["token"].strip()):
            codes = two_factor_confirm(device=device)
            del request.session[SETUP_DEVICE]
            request.session.pop(SETUP_MAILBOX, None)
            _signed_in_with(request, device)
            return _render(
                request,
                "admin/twofactor/codes.html",
                codes=codes,
                title=_("Varakoodisi"),
            )
        form.add_error("token", _refusal(wait))
    response = _render(
        request,
        "admin/twofactor/setup.html",
        form=form,
        secret=b32encode(device.bin_key).decode(),
        config_url=device.config_url,
        title=_("Ota kaksivaiheinen tunnistus käyttöön"),
    )
    return _waiting(response, wait)
