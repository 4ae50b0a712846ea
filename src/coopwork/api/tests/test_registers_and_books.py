"""The member register, the legal register exports, the trial balance and the audit log."""

from __future__ import annotations

from django.utils import timezone

from coopwork.core.models import AuditEntry

from .conftest import Api, World


def test_member_register(world: World) -> None:
    for who in ("board", "admin"):
        body = Api(world.users[who]).get("/coops/alpha/members").json()
        mia, zelda = world.members["mia"], world.members["zelda"]
        assert body == {
            "items": [
                {
                    "register_number": 1,
                    "name": "Mia Member",
                    "is_organisation": False,
                    "college": {"code": "workers", "name": "Worker members"},
                    "admitted_on": mia.admitted_on.isoformat(),
                    "status": "active",
                    "left_on": None,
                    "shares": 5,
                    "capital": {"minor": 10000, "currency": "EUR"},
                },
                {
                    "register_number": 2,
                    "name": "Zelda Secret",
                    "is_organisation": False,
                    "college": {"code": "users", "name": "Users and clients"},
                    "admitted_on": zelda.admitted_on.isoformat(),
                    "status": "active",
                    "left_on": None,
                    "shares": 3,
                    "capital": {"minor": 6000, "currency": "EUR"},
                },
            ],
            "count": 2,
        }


def test_member_register_pages(world: World) -> None:
    api = Api(world.users["board"])
    page = api.get("/coops/alpha/members?page=2&page_size=1").json()
    assert page["count"] == 2
    assert [r["register_number"] for r in page["items"]] == [2]
    assert api.get("/coops/alpha/members?page=3&page_size=1").json()["items"] == []


def test_register_exports(world: World) -> None:
    api = Api(world.users["board"])
    today = timezone.localdate().isoformat()
    members = api.get("/coops/alpha/registers/members.csv")
    assert members.status_code == 200
    assert members["Content-Type"] == "text/csv; charset=utf-8"
    assert members["Content-Disposition"] == (
        f'attachment; filename="alpha-member-register-{today}.csv"'
    )
    assert members.content.decode().splitlines() == [
        "Member number,Name,Organisation,College,Date of entry,Status,Date of exit,Shares,Capital",
        f"1,Mia Member,no,workers,{today},active,,5,100.00",
        f"2,Zelda Secret,no,users,{today},active,,3,60.00",
    ]
    capital = api.get("/coops/alpha/registers/capital.csv")
    lines = capital.content.decode().splitlines()
    assert lines[0] == (
        "Date,Member number,Name,Operation,Share class,Shares,Nominal value,Amount,"
        "Counterparty,Reference"
    )
    mia_ref = world.members["mia"].application.pk
    zelda_ref = world.members["zelda"].application.pk
    assert lines[1:] == [
        f"{today},1,Mia Member,subscription,a,5,20.00,100.00,,VIR-{mia_ref}",
        f"{today},2,Zelda Secret,subscription,a,3,20.00,60.00,,VIR-{zelda_ref}",
    ]
    for name in ("members", "capital"):
        pdf = Api(world.users["admin"]).get(f"/coops/alpha/registers/{name}.pdf")
        assert pdf.status_code == 200
        assert pdf["Content-Type"] == "application/pdf"
        register = "member" if name == "members" else "capital"
        assert pdf["Content-Disposition"] == (
            f'attachment; filename="alpha-{register}-register-{today}.pdf"'
        )
        assert pdf.content.startswith(b"%PDF-")


def test_exports_hold_only_this_coops_members(world: World) -> None:
    text = Api(world.users["foreign_board"]).get("/coops/beta/registers/members.csv").content
    assert b"Olga Other" in text
    assert b"Mia Member" not in text and b"Zelda Secret" not in text


def test_trial_balance(world: World) -> None:
    body = Api(world.users["board"]).get("/coops/alpha/ledger/trial-balance").json()
    mia, zelda = world.members["mia"], world.members["zelda"]
    # Rows come ordered by account code, then holder reference ("member:<id>", compared as text).
    zelda_row, mia_row = 2, 1
    if zelda.holder < mia.holder:
        zelda_row, mia_row = 1, 2
    assert body["rows"][mia_row]["holder"] == mia.holder
    assert body["rows"][zelda_row]["holder"] == zelda.holder
    body["rows"][1:] = sorted(body["rows"][1:], key=lambda r: r["credit"], reverse=True)
    assert body == {
        "rows": [
            {
                "code": "bank",
                "label": "Bank",
                "holder": "",
                "currency": "EUR",
                "debit": 16000,
                "credit": 0,
            },
            {
                "code": "share_capital",
                "label": "Share capital",
                "holder": mia.holder,
                "currency": "EUR",
                "debit": 0,
                "credit": 10000,
            },
            {
                "code": "share_capital",
                "label": "Share capital",
                "holder": zelda.holder,
                "currency": "EUR",
                "debit": 0,
                "credit": 6000,
            },
        ],
        "totals": [{"currency": "EUR", "debit": 16000, "credit": 16000}],
        "balanced": True,
    }


def test_audit_log_newest_first(world: World) -> None:
    api = Api(world.users["admin"])
    body = api.get("/coops/alpha/audit?page_size=3").json()
    entries = list(AuditEntry.objects.filter(cooperative=world.coop).order_by("-id"))
    assert body["count"] == len(entries)
    assert [e["id"] for e in body["items"]] == [entries[0].pk, entries[1].pk, entries[2].pk]
    newest = body["items"][0]
    assert newest == {
        "id": entries[0].pk,
        "seq": entries[0].seq,
        "created_at": newest["created_at"],
        "actor": "system",
        "action": "role.granted",
        "object_type": "core.role",
        "object_id": entries[0].object_id,
        "data": {"user": world.users["admin"].pk, "role": "admin"},
        "hash": entries[0].hash,
        "prev_hash": entries[0].prev_hash,
    }
    # Only this co-op's log: the other co-op's entries never appear.
    everything = api.get("/coops/alpha/audit?page_size=200").json()["items"]
    assert [e["id"] for e in everything] == [e.pk for e in entries]
    assert all("Olga" not in str(e) and "Otto" not in str(e) for e in everything)
