"""Sign-up, login, logout and password reset (Django's auth views with our templates), and the
EN/FR switch, which also remembers a signed-in user's choice for what is sent to them later."""

from __future__ import annotations

import contextlib

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.views import i18n
from django.views.decorators.http import require_GET

from coopwork.core.errors import CoopError
from coopwork.core.selectors import user_languages, username_available
from coopwork.core.services import user_language_set, user_signup
from coopwork.web.forms import SignupForm
from coopwork.web.http import add_form_error


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return str(reverse_lazy("web:home"))


def signup(request: HttpRequest) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = SignupForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = user_signup(
                    username=data["username"], email=data["email"], password=data["password1"]
                )
            except CoopError as exc:
                add_form_error(form, exc)
                status = exc.status
            else:
                login(request, user, backend="coopwork.core.throttle.ThrottledModelBackend")
                return redirect(_next_url(request))
        else:
            status = 400
    else:
        form = SignupForm()
    return render(
        request,
        "web/accounts/signup.html",
        {"form": form, "next": _next_url(request)},
        status=status,
    )


@require_GET
def username_check(request: HttpRequest) -> HttpResponse:
    """htmx: tell a person filling a sign-up form whether the username is free."""
    name = request.GET.get("username", "")
    return render(
        request,
        "web/accounts/_username_check.html",
        {"username": name.strip(), "available": username_available(username=name)},
    )


class LoginView(auth_views.LoginView):
    template_name = "web/accounts/login.html"
    redirect_authenticated_user = True

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_invalid(form)
        response.status_code = 400
        return response

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        """Signed in: the pages switch to the language the user last chose, on any device."""
        response = super().form_valid(form)
        language = user_languages(user_ids=[form.get_user().pk]).get(form.get_user().pk)
        if language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response


class LogoutView(auth_views.LogoutView):
    pass


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "web/accounts/password_reset_form.html"
    email_template_name = "web/accounts/password_reset_email.txt"
    subject_template_name = "web/accounts/password_reset_subject.txt"
    success_url = reverse_lazy("web:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "web/accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "web/accounts/password_reset_confirm.html"
    success_url = reverse_lazy("web:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "web/accounts/password_reset_complete.html"


def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch (cookie and redirect), plus, for a signed-in user, the choice
    stored with them (``core.UserPreference``) so their e-mails go out in that language."""
    response = i18n.set_language(request)
    language = request.POST.get("language", "") if request.method == "POST" else ""
    if language and check_for_language(language):
        # A language the site does not offer (ValidationError) is simply not remembered.
        with contextlib.suppress(CoopError):
            user_language_set(user=request.user, language=language)
    return response
