from io import StringIO

import pytest
from django.core.management import call_command

from coopwork.core.audit import audit_verify_all
from coopwork.core.models import Cooperative, Role
from coopwork.ledger.selectors import trial_balance
from coopwork.members.models import Application, Member, ShareRequest

pytestmark = pytest.mark.django_db


def counts():
    return (
        Cooperative.objects.count(),
        Member.objects.count(),
        Application.objects.count(),
        ShareRequest.objects.count(),
        Role.objects.count(),
    )


def test_seed_demo_is_idempotent_and_prints_the_logins(client):
    out = StringIO()
    call_command("seed_demo", "--url", "http://127.0.0.1:9999", stdout=out)
    first = counts()
    call_command("seed_demo", "--url", "http://127.0.0.1:9999", stdout=StringIO())
    assert counts() == first
    assert first[0] == 2
    text = out.getvalue()
    assert "http://127.0.0.1:9999/" in text
    for username, password in [
        ("camille", "camille-demo-2026"),
        ("sophie", "sophie-demo-2026"),
        ("alex", "alex-demo-2026"),
    ]:
        assert username in text and password in text
    platform = Cooperative.objects.get(slug="coursiers-unis")
    assert platform.sponsor is not None and platform.sponsor.slug == "batiment-solidaire"
    assert Application.objects.filter(cooperative=platform, status="pending").count() == 1
    assert all(trial_balance(cooperative=c).balanced for c in Cooperative.objects.all())
    assert audit_verify_all() == []
    # The three logins work and see what the printed block promises.
    assert client.login(username="sophie", password="sophie-demo-2026")
    assert client.get("/c/coursiers-unis/board/").status_code == 200
    assert client.login(username="camille", password="camille-demo-2026")
    assert client.get("/c/coursiers-unis/me/").status_code == 200
    assert client.login(username="alex", password="alex-demo-2026")
    assert client.get("/c/coursiers-unis/board/").status_code == 403
    assert client.get("/c/coursiers-unis/join/").status_code == 200
