"""members.documents: the share certificate and the two legal registers, as PDF and CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import subprocess
from unittest.mock import patch

import pytest
from django.utils import translation

from coopwork import testing
from coopwork.members import documents, services

TODAY = dt.date(2027, 3, 15)

pdftotext = shutil.which("pdftotext")
needs_pdftotext = pytest.mark.skipif(
    pdftotext is None, reason="pdftotext (poppler-utils) is not installed"
)


def pdf_text(data: bytes) -> str:
    assert pdftotext is not None
    proc = subprocess.run(
        [pdftotext, "-layout", "-enc", "UTF-8", "-", "-"],
        input=data,
        capture_output=True,
        check=True,
        timeout=60,
    )
    # Collapse layout spacing so assertions read naturally.
    return " ".join(proc.stdout.decode().split())


@pytest.fixture(autouse=True)
def _fixed_today():
    with patch("django.utils.timezone.localdate", return_value=TODAY):
        yield


@pytest.fixture
def registry(coop, board, zero_delay):
    """Register 1 Ada (workers, 7 shares then 2 given to Bob), 2 Bob (users, 3), 3 Cleo Co-op
    (sponsors, an organisation, 10 shares, then left)."""
    ada = testing.make_member(coop, board=board, shares=7, name="Ada Lovelace")
    bob = testing.make_member(coop, board=board, college="users", shares=3, name="Bob Martin")
    cleo_user = testing.make_user()
    application = services.application_submit(
        cooperative=coop,
        user=cleo_user,
        college_code="sponsors",
        shares=10,
        display_name="Cleo Co-op",
        is_organisation=True,
    )
    cleo = services.application_admit(
        cooperative=coop,
        application_id=application.pk,
        actor=board,
        payment_method="cash",
        payment_reference="",
    )
    services.share_transfer(
        cooperative=coop,
        from_register_number=1,
        to_register_number=2,
        quantity=2,
        actor=board,
        reference="ACT-1",
    )
    request = services.share_redemption_request(cooperative=coop, user=cleo_user, quantity=10)
    services.share_redemption_pay(
        cooperative=coop,
        request_id=request.pk,
        actor=board,
        payment_method="bank_transfer",
        payment_reference="OUT-7",
    )
    for m in (ada, bob, cleo):
        m.refresh_from_db()
    return ada, bob, cleo


# --- CSV ---------------------------------------------------------------------------------------


def test_member_register_csv(coop, registry):
    rows = list(csv.reader(io.StringIO(documents.member_register_csv(cooperative=coop))))
    assert rows == [
        [
            "Member number",
            "Name",
            "Organisation",
            "College",
            "Date of entry",
            "Status",
            "Date of exit",
            "Shares",
            "Capital",
        ],
        ["1", "Ada Lovelace", "no", "workers", "2027-03-15", "active", "", "5", "100.00"],
        ["2", "Bob Martin", "no", "users", "2027-03-15", "active", "", "5", "100.00"],
        ["3", "Cleo Co-op", "yes", "sponsors", "2027-03-15", "left", "2027-03-15", "0", "0.00"],
    ]


def test_capital_register_csv(coop, registry):
    ada, bob, _cleo = registry
    rows = list(csv.reader(io.StringIO(documents.capital_register_csv(cooperative=coop))))
    assert rows == [
        [
            "Date",
            "Member number",
            "Name",
            "Operation",
            "Share class",
            "Shares",
            "Nominal value",
            "Amount",
            "Counterparty",
            "Reference",
        ],
        [
            "2027-03-15",
            "1",
            "Ada Lovelace",
            "subscription",
            "a",
            "7",
            "20.00",
            "140.00",
            "",
            f"VIR-{ada.application.pk}",
        ],
        [
            "2027-03-15",
            "2",
            "Bob Martin",
            "subscription",
            "a",
            "3",
            "20.00",
            "60.00",
            "",
            f"VIR-{bob.application.pk}",
        ],
        ["2027-03-15", "3", "Cleo Co-op", "subscription", "a", "10", "20.00", "200.00", "", ""],
        [
            "2027-03-15",
            "1",
            "Ada Lovelace",
            "transfer_out",
            "a",
            "-2",
            "20.00",
            "-40.00",
            "2",
            "ACT-1",
        ],
        ["2027-03-15", "2", "Bob Martin", "transfer_in", "a", "2", "20.00", "40.00", "1", "ACT-1"],
        [
            "2027-03-15",
            "3",
            "Cleo Co-op",
            "redemption",
            "a",
            "-10",
            "20.00",
            "-200.00",
            "",
            "OUT-7",
        ],
    ]


def test_csv_registers_never_show_another_coop(beta, beta_board, registry):
    testing.make_member(beta, board=beta_board, college="partners", name="Fay Foreign")
    member_rows = list(csv.reader(io.StringIO(documents.member_register_csv(cooperative=beta))))
    capital_rows = list(csv.reader(io.StringIO(documents.capital_register_csv(cooperative=beta))))
    assert [r[1] for r in member_rows[1:]] == ["Fay Foreign"]
    assert [r[2] for r in capital_rows[1:]] == ["Fay Foreign"]


def test_csv_headers_follow_the_language(coop, registry):
    with translation.override("fr"):
        header = next(csv.reader(io.StringIO(documents.member_register_csv(cooperative=coop))))
    # Without a compiled French catalogue the English text stays; with one, it is French.
    assert len(header) == 9
    assert header[0] in {"Member number", "Numéro d'associé", "Numéro de sociétaire"}


def test_an_empty_register_has_only_its_header(coop):
    assert documents.member_register_csv(cooperative=coop).splitlines() == [
        "Member number,Name,Organisation,College,Date of entry,Status,Date of exit,Shares,Capital"
    ]
    assert documents.capital_register_csv(cooperative=coop).splitlines() == [
        "Date,Member number,Name,Operation,Share class,Shares,Nominal value,Amount,"
        "Counterparty,Reference"
    ]


# --- PDF ---------------------------------------------------------------------------------------


@needs_pdftotext
def test_certificate_pdf(coop, registry):
    ada, _bob, _cleo = registry
    data = documents.certificate_pdf(member=ada)
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    assert "Share certificate" in text
    assert "Member register number 1" in text
    assert "This certifies that Ada Lovelace" in text
    assert "“Worker members”" in text
    assert "5 shares of class Ordinary shares" in text
    assert "nominal value €20.00 each, total €100.00" in text
    assert "Alpha Coop" in text
    assert "ACT-1" in text  # the transfer appears in the member's history


@needs_pdftotext
def test_certificate_pdf_in_french(coop, registry):
    _ada, bob, _cleo = registry
    with translation.override("fr"):
        text = pdf_text(documents.certificate_pdf(member=bob))
    assert "Bob Martin" in text
    assert "Usagers et clients" in text  # the college's French name
    assert "100,00\u00a0€" in text or "100,00 €" in text


@needs_pdftotext
def test_member_register_pdf(coop, registry):
    data = documents.member_register_pdf(cooperative=coop)
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    assert "Member register" in text
    assert "1 Ada Lovelace Worker members" in text
    assert "2 Bob Martin Users and clients" in text
    assert "3 Cleo Co-op Sponsor co-ops" in text
    assert "€100.00" in text
    assert "€0.00" in text


@needs_pdftotext
def test_capital_register_pdf(coop, registry):
    data = documents.capital_register_pdf(cooperative=coop)
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    assert "Capital register" in text
    assert "Ada Lovelace subscription a 7 €20.00 €140.00" in text
    assert "Ada Lovelace transfer out a -2 €20.00 -€40.00 2 ACT-1" in text
    assert "Cleo Co-op redemption a -10 €20.00 -€200.00 OUT-7" in text


@needs_pdftotext
def test_empty_register_pdfs(coop):
    assert "No members yet." in pdf_text(documents.member_register_pdf(cooperative=coop))
    assert "No movements yet." in pdf_text(documents.capital_register_pdf(cooperative=coop))
