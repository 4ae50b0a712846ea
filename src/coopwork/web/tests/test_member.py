import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from coopwork import testing
from coopwork.members.models import RequestKind, RequestStatus, ShareRequest

from .pdf import assert_pdf_contains

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"web:{name}", args=["alpha", *args])


def test_member_page_shows_number_shares_capital_and_history(member, login):
    response = login(member.user).get(url("me"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "No. 1" in html and "Ada Member" in html and "Worker members" in html
    assert "€20.00" in html and "Subscription" in html and "VIR-" in html
    assert url("certificate") in html
    # The statutes' delay (365 days by default) and the date a redemption asked today is due.
    due = timezone.localdate() + dt.timedelta(days=365)
    assert "365 days" in html and date_format(due, "DATE_FORMAT") in html


def test_member_downloads_their_certificate(member, login):
    response = login(member.user).get(url("certificate"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="alpha-certificate-1.pdf"' in response["Content-Disposition"]
    assert_pdf_contains(response.content, "Member register number 1", "Ada Member")


def test_ask_to_buy_more_shares(member, login):
    client = login(member.user)
    response = client.post(url("buy"), {"buy-quantity": "4"})
    assert response.status_code == 302 and response["Location"] == url("me")
    request = ShareRequest.objects.get(member=member)
    assert (request.kind, request.quantity, request.status) == (
        RequestKind.PURCHASE,
        4,
        RequestStatus.PENDING,
    )
    html = client.get(url("me")).content.decode()
    assert "The board confirms it once your payment has arrived." in html
    assert "Purchase of shares" in html


def test_buying_above_the_maximum_is_a_400_next_to_the_field(member, login):
    response = login(member.user).post(url("buy"), {"buy-quantity": "500"})
    assert response.status_code == 400
    assert "A member may hold at most 500 shares of this class." in response.content.decode()
    assert not ShareRequest.objects.exists()
    response = login(member.user).post(url("buy"), {"buy-quantity": "zero"})
    assert response.status_code == 400


def test_ask_to_redeem_shows_when_it_is_payable(member, login):
    client = login(member.user)
    response = client.post(url("redeem"), {"redeem-quantity": "1"}, follow=True)
    request = ShareRequest.objects.get(member=member)
    assert request.eligible_on == timezone.localdate() + dt.timedelta(days=365)
    html = response.content.decode()
    assert "Your redemption request is recorded. It can be paid from" in html
    assert "payable from" in html


def test_redeeming_more_than_held_is_refused(member, login):
    response = login(member.user).post(url("redeem"), {"redeem-quantity": "2"})
    assert response.status_code == 400
    assert "You hold 1 shares that are not already being redeemed." in response.content.decode()


def test_member_page_refuses_non_members_and_other_coops_members(
    client, coop, other_coop, login, board_user
):
    assert client.get(url("me")).status_code == 302  # to sign in
    outsider = testing.make_member(other_coop, board=testing.make_board(other_coop, "b2"))
    response = login(outsider.user).get(url("me"))
    assert response.status_code == 403
    assert "Only members can do this." in response.content.decode()
    assert url("join") in response.content.decode()  # invited to apply
    assert login(outsider.user).get(url("certificate")).status_code == 403
    assert login(outsider.user).post(url("buy"), {"buy-quantity": "1"}).status_code == 403
    assert not ShareRequest.objects.exists()
