"""Pure rules of general assemblies (no Django, no database): proxy caps and majorities.

Proxies (loi n° 78-763 du 19 juillet 1978, art. 11, for SCOP; the same clause is common in other
co-ops' statutes): a member may give a proxy only to another member, and nobody may hold

- more than **1 extra vote** (one proxy) when the co-op has fewer than 20 members;
- more than **1/20 of the members** in extra votes (proxies) when it has 20 or more,
  rounded down, since a vote cannot be split.

"Members" is the number of members entitled to vote at the assembly (the register on the day it
was convened). Worked examples (``proxy_cap``)::

    members  1..19 -> 1 proxy  (19 members: a second proxy is refused)
    members 20..39 -> 1 proxy  (20/20 = 1)
    members 40..59 -> 2        (40/20 = 2; 59/20 = 2.95, rounded down)
    members 60     -> 3
    members 100    -> 5
    members 1000   -> 50

The rule keeps the two sides continuous: 19 and 20 members both allow one proxy, and the cap only
grows from 40 members. It is read as "extra votes", the votes held on top of one's own, as
domain.md states it; the holder's own vote is never counted against the cap.
"""

from __future__ import annotations

from fractions import Fraction

__all__ = ["PROXY_SMALL_COOP", "extraordinary_adopted", "proxy_cap"]

PROXY_SMALL_COOP = 20


def proxy_cap(members: int) -> int:
    """How many proxies one member may hold when ``members`` members may vote (see above)."""
    if isinstance(members, bool) or not isinstance(members, int) or members < 0:
        raise ValueError("members is a count")
    if members < PROXY_SMALL_COOP:
        return 1
    return members // PROXY_SMALL_COOP


def extraordinary_adopted(*, yes: Fraction, expressed: Fraction, majority: Fraction) -> bool:
    """A statute change passes with at least ``majority`` (2/3 by default, statutes may raise it)
    of the expressed votes (yes + no; blank votes and abstentions are not expressed)."""
    return expressed > 0 and yes >= majority * expressed
