import pytest

from coopwork import testing
from coopwork.core.audit import audit_verify_all
from coopwork.ledger.selectors import normal_balance, trial_balance
from coopwork.members.selectors import holding


@pytest.mark.django_db
def test_admission_posts_capital_and_audit(coop, board_user):
    m1 = testing.make_member(coop, board=board_user, shares=3)
    m2 = testing.make_member(coop, board=board_user, college="users", shares=2)
    assert (m1.register_number, m2.register_number) == (1, 2)
    assert holding(member=m1) == 3
    assert normal_balance(cooperative=coop, code="share_capital", holder=m1.holder).minor == 6000
    tb = trial_balance(cooperative=coop)
    assert tb.balanced and tb.totals["EUR"] == (10000, 10000)
    assert audit_verify_all() == []
