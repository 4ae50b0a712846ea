from django.urls import include, path

from .views import accounts, board, home, member, public

app_name = "web"

account_patterns = [
    path("login/", accounts.LoginView.as_view(), name="login"),
    path("logout/", accounts.LogoutView.as_view(), name="logout"),
    path("signup/", accounts.signup, name="signup"),
    path("signup/check-username/", accounts.username_check, name="username_check"),
    path("password-reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        accounts.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        accounts.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        accounts.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]

coop_patterns = [
    path("", public.coop_home, name="coop"),
    path("join/", public.join, name="join"),
    path("join/quote/", public.join_quote, name="join_quote"),
    path("join/pending/", public.join_pending, name="join_pending"),
    path("join/<int:application_id>/withdraw/", public.join_withdraw, name="join_withdraw"),
    path("board/", board.board, name="board"),
    path(
        "board/applications/<int:application_id>/admit/",
        board.application_admit,
        name="application_admit",
    ),
    path(
        "board/applications/<int:application_id>/reject/",
        board.application_reject,
        name="application_reject",
    ),
    path(
        "board/requests/<int:request_id>/confirm/",
        board.purchase_confirm,
        name="purchase_confirm",
    ),
    path("board/requests/<int:request_id>/pay/", board.redemption_pay, name="redemption_pay"),
    path("board/requests/<int:request_id>/reject/", board.request_reject, name="request_reject"),
    path("board/transfers/", board.transfer, name="transfer"),
    path(
        "board/registers/<str:register>.<str:fmt>",
        board.register_export,
        name="register_export",
    ),
    path(
        "board/members/<int:register_number>/certificate.pdf",
        board.member_certificate,
        name="member_certificate",
    ),
    path("me/", member.me, name="me"),
    path("me/buy/", member.buy, name="buy"),
    path("me/redeem/", member.redeem, name="redeem"),
    path("me/certificate.pdf", member.certificate, name="certificate"),
]

urlpatterns = [
    path("", home.home, name="home"),
    path("accounts/", include(account_patterns)),
    path("c/<slug:slug>/", include(coop_patterns)),
]
