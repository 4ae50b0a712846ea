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

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

__all__ = [
    "PROXY_SMALL_COOP",
    "STATUTE_MAJORITY_BASES",
    "Heads",
    "count_heads",
    "extraordinary_adopted",
    "proxy_cap",
    "statute_majority_base",
]

PROXY_SMALL_COOP = 20


def proxy_cap(members: int) -> int:
    """How many proxies one member may hold when ``members`` members may vote (see above)."""
    if isinstance(members, bool) or not isinstance(members, int) or members < 0:
        raise ValueError("members is a count")
    if members < PROXY_SMALL_COOP:
        return 1
    return members // PROXY_SMALL_COOP


STATUTE_MAJORITY_BASES = ("present_or_represented", "expressed")


def statute_majority_base(
    *, basis: str, yes: Fraction, no: Fraction, abstain: Fraction, blank: Fraction
) -> Fraction:
    """The votes a statute-change majority is counted on (``majority_extraordinary_base``).

    - ``"present_or_represented"`` (loi 78-763 art. 11 for SCOP; the default): every vote of the
      members present, remote, represented or voting by post on the item, so abstentions and
      blank votes count against;
    - ``"expressed"`` (Code de commerce L225-96, SA-form co-ops since 2019): yes + no only.

    Worked example, 6 yes, 1 no, 3 abstentions: base 10 (6/10 < 2/3, rejected) or 7 (6/7 >= 2/3,
    adopted). Figures are the (college-weighted) votes, so the weighting applies to both bases.
    """
    if basis == "expressed":
        return yes + no
    if basis == "present_or_represented":
        return yes + no + abstain + blank
    raise ValueError(f"unknown majority base {basis!r}")


def extraordinary_adopted(*, yes: Fraction, base: Fraction, majority: Fraction) -> bool:
    """A statute change passes with at least ``majority`` (2/3 by default, statutes may raise it)
    of ``base`` (see :func:`statute_majority_base`)."""
    return base > 0 and yes >= majority * base


@dataclass(frozen=True)
class Heads:
    """Members present or represented, each counted once (co-ops count heads, not shares)."""

    eligible: int
    in_person: int
    remote: int
    represented: int  # by a proxy holder who is present
    postal: int  # voted by post, neither attending nor represented
    present: int


def count_heads(
    *,
    eligible: Collection[int],
    attending: Mapping[int, str],
    proxies: Iterable[tuple[int, int]],
    postal: Iterable[int],
) -> Heads:
    """Who counts for the quorum, from member ids.

    ``attending`` maps a member to ``"in_person"`` or ``"remote"``; ``proxies`` are the active
    (giver, holder) pairs; ``postal`` the members who voted by post. Only eligible members
    count. A giver is represented only if their holder is present and they are not present
    themselves; a postal voter who also attends or is represented is counted once. So
    ``present = |attending ∪ represented ∪ postal|`` and never exceeds ``eligible``.
    """
    allowed = set(eligible)
    here = {m: mode for m, mode in attending.items() if m in allowed}
    represented = {g for g, h in proxies if h in here and g in allowed and g not in here}
    by_post = {m for m in postal if m in allowed} - set(here) - represented
    return Heads(
        eligible=len(allowed),
        in_person=sum(1 for mode in here.values() if mode == "in_person"),
        remote=sum(1 for mode in here.values() if mode == "remote"),
        represented=len(represented),
        postal=len(by_post),
        present=len(here) + len(represented) + len(by_post),
    )


def present_members(
    *,
    eligible: Collection[int],
    attending: Mapping[int, str],
    proxies: Iterable[tuple[int, int]],
    postal: Iterable[int],
) -> set[int]:
    """The members :func:`count_heads` counts as present or represented, by id (same rules)."""
    allowed = set(eligible)
    here = {m for m in attending if m in allowed}
    represented = {g for g, h in proxies if h in here and g in allowed and g not in here}
    return here | represented | {m for m in postal if m in allowed}
