from django.urls import include, path

from .views import (
    accounts,
    assemblies,
    board,
    book,
    coordinator,
    dispatch,
    governance,
    home,
    jobs,
    member,
    notifications,
    public,
    rules,
    work,
)

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

market_patterns = [
    # Booking, and the client's jobs.
    path("book/", book.book, name="book"),
    path("book/<str:kind>/", book.book_kind, name="book_kind"),
    path("book/<str:kind>/quote/", book.book_quote, name="book_quote"),
    path("jobs/", jobs.jobs, name="jobs"),
    path("jobs/<int:job_id>/", jobs.job, name="job"),
    path("jobs/<int:job_id>/live/", jobs.job_live, name="job_live"),
    path("jobs/<int:job_id>/messages/", jobs.job_messages, name="job_messages"),
    path("jobs/<int:job_id>/approve/", jobs.job_approve, name="job_approve"),
    path("jobs/<int:job_id>/cancel/", jobs.job_cancel, name="job_cancel"),
    path("jobs/<int:job_id>/send-home/", jobs.job_send_home, name="job_send_home"),
    path("jobs/<int:job_id>/rate/", jobs.job_rate, name="job_rate"),
    path("jobs/<int:job_id>/messages/send/", jobs.job_message, name="job_message"),
    path("jobs/<int:job_id>/cases/", jobs.case_open, name="case_open"),
    path(
        "jobs/<int:job_id>/transitions/<str:transition>/",
        jobs.job_transition,
        name="job_transition",
    ),
    path(
        "jobs/<int:job_id>/cases/<int:case_id>/statement/",
        jobs.case_statement,
        name="case_statement",
    ),
    # The worker area.
    path("work/", work.work, name="work"),
    path("work/live/", work.work_live, name="work_live"),
    path("work/jobs/<int:job_id>/claim/", work.claim, name="work_claim"),
    path("work/jobs/<int:job_id>/release/", work.release, name="work_release"),
    path("work/jobs/<int:job_id>/clock-in/", work.clock_in, name="work_clock_in"),
    path("work/jobs/<int:job_id>/depart/", work.depart, name="work_depart"),
    path("work/jobs/<int:job_id>/finish/", work.finish, name="work_finish"),
    path("work/offers/<int:offer_id>/accept/", work.offer_accept, name="offer_accept"),
    path("work/offers/<int:offer_id>/refuse/", work.offer_refuse, name="offer_refuse"),
    path("work/position/", work.position, name="work_position"),
    path("work/earnings/", work.earnings, name="work_earnings"),
    path("work/profile/", work.profile, name="work_profile"),
    path("work/availability/", work.availability, name="work_availability"),
    path("calendar/<str:token>.ics", work.calendar, name="calendar"),
    # The coordinator board.
    path("coord/", coordinator.coord, name="coord"),
    path("coord/live/", coordinator.coord_live, name="coord_live"),
    path("coord/jobs/<int:job_id>/assign/", coordinator.assign, name="coord_assign"),
    path("coord/cases/<int:case_id>/decide/", coordinator.decide, name="coord_decide"),
    path("coord/invoices/", coordinator.invoice_issue, name="invoice_issue"),
    path("invoices/<int:invoice_id>.pdf", coordinator.invoice_pdf, name="invoice_pdf"),
    # Dispatch: a worker's offer and why, the rounds, the fairness trade-off curve.
    path("work/offers/<int:offer_id>/", dispatch.offer, name="offer_detail"),
    path("dispatch/", dispatch.rounds, name="dispatch_rounds"),
    path("dispatch/rounds/<int:round_id>/", dispatch.round_detail, name="dispatch_round"),
    path("dispatch/run/", dispatch.round_run, name="dispatch_run"),
    path("dispatch/fairness/", dispatch.curve, name="dispatch_curve"),
    # Notifications, and the rules every receipt links to.
    path("notifications/", notifications.notifications, name="notifications"),
    path("notifications/read/", notifications.notifications_read, name="notifications_read"),
    path("notifications/email/", notifications.notifications_email, name="notifications_email"),
    path("rules/", rules.rules, name="rules"),
]

# General assemblies (governance).
A = "assemblies/<int:assembly_id>/"
assembly_patterns = [
    path("assemblies/", assemblies.assembly_list, name="assemblies"),
    path("assemblies/convene/", assemblies.assembly_convene, name="assembly_convene"),
    path(A, assemblies.assembly_detail, name="assembly"),
    path(A + "live/", assemblies.assembly_live, name="assembly_live"),
    path(A + "proxy/", assemblies.proxy_give, name="assembly_proxy"),
    path(A + "proxy/revoke/", assemblies.proxy_revoke, name="assembly_proxy_revoke"),
    path(A + "postal/", assemblies.postal_vote, name="assembly_postal"),
    path(A + "check-in/", assemblies.check_in, name="assembly_check_in"),
    path(A + "items/<int:number>/vote/", assemblies.vote, name="assembly_vote"),
    path(A + "items/add/", assemblies.item_add, name="assembly_item_add"),
    path(A + "items/<int:number>/remove/", assemblies.item_remove, name="assembly_item_remove"),
    path(A + "items/<int:number>/open/", assemblies.item_open, name="assembly_item_open"),
    path(A + "items/<int:number>/close/", assemblies.item_close, name="assembly_item_close"),
    path(A + "items/<int:number>/admit/", assemblies.item_admit, name="assembly_item_admit"),
    path(A + "open/", assemblies.session_open, name="assembly_open"),
    path(A + "attendance/", assemblies.attendance, name="assembly_attendance"),
    path(A + "quorum/", assemblies.quorum, name="assembly_quorum"),
    path(A + "close/", assemblies.session_close, name="assembly_close"),
    path(A + "minutes.pdf", assemblies.minutes_pdf, name="assembly_minutes"),
]

# Decisions (governance): proposals, online ballots, receipts, the register.
P = "governance/proposals/<int:proposal_id>/"
B = "governance/ballots/<int:ballot_id>/"
governance_patterns = [
    path("governance/", governance.dashboard, name="governance"),
    path("governance/register/", governance.register, name="gov_register"),
    path("governance/proposals/", governance.proposals, name="gov_proposals"),
    path("governance/proposals/new/", governance.proposal_new, name="gov_proposal_new"),
    path(P, governance.proposal, name="gov_proposal"),
    path(P + "comment/", governance.proposal_comment, name="gov_proposal_comment"),
    path(P + "amend/", governance.proposal_amend, name="gov_proposal_amend"),
    path(P + "support/", governance.proposal_support, name="gov_proposal_support"),
    path(P + "withdraw/", governance.proposal_withdraw, name="gov_proposal_withdraw"),
    path(P + "vote/", governance.proposal_to_vote, name="gov_proposal_to_vote"),
    path(
        P + "amendments/<int:amendment_id>/decide/",
        governance.amendment_decide,
        name="gov_amendment_decide",
    ),
    path(
        P + "amendments/<int:amendment_id>/vote/",
        governance.amendment_to_vote,
        name="gov_amendment_to_vote",
    ),
    path("governance/elections/new/", governance.election_new, name="gov_election_new"),
    path(B, governance.ballot, name="gov_ballot"),
    path(B + "live/", governance.ballot_live, name="gov_ballot_live"),
    path(B + "vote/", governance.ballot_vote, name="gov_ballot_vote"),
    path(B + "close/", governance.ballot_close, name="gov_ballot_close"),
    path(B + "receipt/", governance.receipt_check, name="gov_receipt"),
]

urlpatterns = [
    path("", home.home, name="home"),
    path("accounts/", include(account_patterns)),
    path("c/<slug:slug>/", include(coop_patterns)),
    path("c/<slug:slug>/", include(market_patterns)),
    path("c/<slug:slug>/", include(assembly_patterns)),
    path("c/<slug:slug>/", include(governance_patterns)),
]
