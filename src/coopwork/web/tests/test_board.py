import pytest
from django.urls import reverse

from coopwork import testing
from coopwork.ledger.selectors import trial_balance
from coopwork.members.models import Application, ApplicationStatus, Member, RequestStatus
from coopwork.members.selectors import holding
from coopwork.members.services import share_purchase_request, share_redemption_request

from .conftest import htmx
from .pdf import assert_pdf_contains

pytestmark = pytest.mark.django_db

ADMIT = {"payment_method": "bank_transfer", "payment_reference": "VIR-2026-001", "note": "ok"}


def url(name, *args):
    return reverse(f"web:{name}", args=["alpha", *args])


# --- Reading the board page ---------------------------------------------------------------------


def test_board_page_shows_pending_work_books_and_parameters(board_client, pending, member):
    response = board_client.get(url("board"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Zoé Applicant" in html and url("application_admit", pending.pk) in html
    assert "Trial balance" in html and "Balanced" in html and "€20.00" in html
    assert "Delay before redeemed shares are paid back" in html and "365 days" in html
    assert "legal default" in html
    for register in ("members", "capital"):
        for fmt in ("csv", "pdf"):
            assert url("register_export", register, fmt) in html


def test_board_page_needs_sign_in(client, coop):
    response = client.get(url("board"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))


def test_board_page_is_refused_to_members_and_other_coops_boards(member, other_board, login):
    for user in (member.user, other_board):
        response = login(user).get(url("board"))
        assert response.status_code == 403
        assert "You are not allowed to do this." in response.content.decode()


# --- Admitting and rejecting -----------------------------------------------------------------


def test_admit_without_js_redirects_with_a_message(board_client, pending):
    response = board_client.post(url("application_admit", pending.pk), ADMIT)
    assert response.status_code == 302 and response["Location"] == url("board")
    member = Member.objects.get(user=pending.user)
    assert (member.register_number, holding(member=member)) == (1, 3)
    page = board_client.get(url("board")).content.decode()
    assert "Zoé Applicant is admitted as member № 1." in page


def test_admit_with_htmx_returns_the_card_with_the_certificate_link(board_client, pending, member):
    response = board_client.post(url("application_admit", pending.pk), ADMIT, **htmx())
    html = response.content.decode()
    assert response.status_code == 200
    assert "Zoé Applicant is admitted as member № 2." in html  # member № 1 exists already
    assert url("member_certificate", 2) in html
    assert trial_balance(cooperative=pending.cooperative).totals["EUR"] == (8000, 8000)


def test_admitting_twice_is_a_409_and_writes_nothing(board_client, pending):
    board_client.post(url("application_admit", pending.pk), ADMIT)
    response = board_client.post(url("application_admit", pending.pk), ADMIT)
    assert response.status_code == 409
    assert "This application has already been decided." in response.content.decode()
    assert Member.objects.count() == 1


def test_bank_transfer_needs_a_reference(board_client, pending):
    data = {**ADMIT, "payment_reference": ""}
    response = board_client.post(url("application_admit", pending.pk), data, **htmx())
    assert response.status_code == 400
    assert response["HX-Retarget"] == f"#application-{pending.pk}-errors"
    assert "Record the payment method" in response.content.decode()
    assert not Member.objects.exists()
    cash = board_client.post(
        url("application_admit", pending.pk), {**data, "payment_method": "cash"}
    )
    assert cash.status_code == 302  # cash needs no reference


def test_non_board_user_cannot_admit(pending, member, login):
    response = login(member.user).post(url("application_admit", pending.pk), ADMIT)
    assert response.status_code == 403
    pending.refresh_from_db()
    assert pending.status == ApplicationStatus.PENDING


def test_anonymous_post_is_a_401_not_a_redirect(client, pending):
    response = client.post(url("application_admit", pending.pk), ADMIT)
    assert response.status_code == 401
    assert "You need to sign in first." in response.content.decode()


def test_reject_needs_a_reason(board_client, pending):
    response = board_client.post(url("application_reject", pending.pk), {"reason": " "}, **htmx())
    assert response.status_code == 400
    assert "Give a reason for this decision." in response.content.decode()
    ok = board_client.post(url("application_reject", pending.pk), {"reason": "No shares paid"})
    assert ok.status_code == 302
    pending.refresh_from_db()
    assert (pending.status, pending.decision_reason) == (
        ApplicationStatus.REJECTED,
        "No shares paid",
    )
    assert "No shares paid" in board_client.get(url("board")).content.decode()


def test_unknown_application_is_a_404(board_client, coop):
    response = board_client.post(url("application_admit", 999999), ADMIT)
    assert response.status_code == 404
    assert "No such application." in response.content.decode()


# --- Share requests and transfers ----------------------------------------------------------


def test_confirm_a_purchase(board_client, member):
    request = share_purchase_request(cooperative=member.cooperative, user=member.user, quantity=4)
    assert f"request-{request.pk}" in board_client.get(url("board")).content.decode()
    response = board_client.post(
        url("purchase_confirm", request.pk),
        {"payment_method": "bank_transfer", "payment_reference": "VIR-9"},
        **htmx(),
    )
    assert response.status_code == 200
    assert "4 shares entered in the register for member № 1." in response.content.decode()
    assert holding(member=member) == 5


def test_redemption_cannot_be_paid_before_the_statutes_delay(board_client, member):
    request = share_redemption_request(cooperative=member.cooperative, user=member.user, quantity=1)
    html = board_client.get(url("board")).content.decode()
    assert "payable from" in html
    response = board_client.post(
        url("redemption_pay", request.pk), {"payment_method": "cash", "payment_reference": ""}
    )
    assert response.status_code == 400
    assert "delay runs until" in response.content.decode()
    assert holding(member=member) == 1


def test_reject_a_share_request(board_client, member):
    request = share_purchase_request(cooperative=member.cooperative, user=member.user, quantity=2)
    assert board_client.post(url("request_reject", request.pk), {"reason": ""}).status_code == 400
    response = board_client.post(url("request_reject", request.pk), {"reason": "No payment"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.REJECTED


def test_confirming_a_purchase_of_a_redemption_id_is_a_404(board_client, member):
    request = share_redemption_request(cooperative=member.cooperative, user=member.user, quantity=1)
    response = board_client.post(
        url("purchase_confirm", request.pk), {"payment_method": "cash", "payment_reference": ""}
    )
    assert response.status_code == 404


def test_transfer_between_members(board_client, board_user, member):
    other = testing.make_member(member.cooperative, board=board_user, shares=2, name="Bo")
    data = {"from_register_number": 2, "to_register_number": 1, "quantity": 1, "reference": "T1"}
    response = board_client.post(url("transfer"), data, **htmx())
    assert response.status_code == 200
    assert "1 share transferred from member № 2 to member № 1." in response.content.decode()
    assert (holding(member=other), holding(member=member)) == (1, 2)


def test_transfer_to_a_non_member_is_refused(board_client, member):
    data = {"from_register_number": 1, "to_register_number": 42, "quantity": 1}
    response = board_client.post(url("transfer"), data, **htmx())
    assert response.status_code == 400
    assert response["HX-Retarget"] == "#transfer-result"
    assert "current member of this cooperative" in response.content.decode()
    response = board_client.post(url("transfer"), {**data, "quantity": "many"})
    assert response.status_code == 400  # a form that does not parse is a 400 too


# --- Registers and certificates ---------------------------------------------------------------


def test_member_register_csv_and_pdf(board_client, member):
    csv = board_client.get(url("register_export", "members", "csv"))
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    assert "attachment" in csv["Content-Disposition"]
    text = csv.content.decode("utf-8-sig")
    assert "Member number" in text.splitlines()[0] and "Ada Member" in text
    pdf = board_client.get(url("register_export", "members", "pdf"))
    assert pdf["Content-Type"] == "application/pdf"
    assert_pdf_contains(pdf.content, "Ada Member", "Worker members")


def test_capital_register_csv_and_pdf(board_client, member):
    text = board_client.get(url("register_export", "capital", "csv")).content.decode("utf-8-sig")
    assert "subscription" in text and "VIR-" in text
    pdf = board_client.get(url("register_export", "capital", "pdf"))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_registers_are_for_this_coops_board_only(client, member, other_board, login):
    path = url("register_export", "members", "csv")
    assert client.get(path).status_code == 302
    assert login(member.user).get(path).status_code == 403
    response = login(other_board).get(path)
    assert response.status_code == 403
    assert "Ada Member" not in response.content.decode()


def test_unknown_register_or_format_is_a_404(board_client, coop):
    assert board_client.get(url("register_export", "members", "xlsx")).status_code == 404
    assert board_client.get(url("register_export", "secret", "csv")).status_code == 404


def test_board_downloads_a_members_certificate(board_client, member, other_board, login):
    response = board_client.get(url("member_certificate", 1))
    assert response.status_code == 200
    assert_pdf_contains(response.content, "Member register number 1", "Ada Member")
    assert board_client.get(url("member_certificate", 7)).status_code == 404
    assert login(other_board).get(url("member_certificate", 1)).status_code == 403


# --- Another co-op's board can do nothing here -----------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind", "data"),
    [
        ("application_admit", "application", ADMIT),
        ("application_reject", "application", {"reason": "no"}),
        ("purchase_confirm", "purchase", {"payment_method": "cash", "payment_reference": ""}),
        ("request_reject", "purchase", {"reason": "no"}),
        ("redemption_pay", "redemption", {"payment_method": "cash", "payment_reference": ""}),
        ("transfer", None, {"from_register_number": 1, "to_register_number": 2, "quantity": 1}),
    ],
)
def test_other_coops_board_is_refused_every_action(
    name, kind, data, pending, member, board_user, other_board, login
):
    coop = member.cooperative
    testing.make_member(coop, board=board_user, name="Second")
    ids = {
        "application": pending.pk,
        "purchase": share_purchase_request(cooperative=coop, user=member.user, quantity=1).pk,
        "redemption": share_redemption_request(cooperative=coop, user=member.user, quantity=1).pk,
    }
    args = [ids[kind]] if kind else []
    client = login(other_board)
    before = (Member.objects.count(), Application.objects.filter(status="pending").count())
    response = client.post(url(name, *args), data)
    assert response.status_code == 403
    # And through the foreign board's own co-op URL, this co-op's objects do not exist.
    own = reverse(f"web:{name}", args=["beta", *args])
    assert client.post(own, data).status_code in (400, 404)
    assert (Member.objects.count(), Application.objects.filter(status="pending").count()) == before
