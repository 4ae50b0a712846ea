"""Ranked-ballot counts: IRV for one seat, Scottish STV and Meek STV for several.

Each count walks the ballots as integer arrays (numpy) and keeps exact integer totals, so the same
ballots always give the same result to the last digit. Import the public functions from
:mod:`coopwork.governance.tallying`.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from typing import Any

import numpy as np

from ._core import (
    _INT64_SAFE,
    ElectionMethod,
    ElectionResult,
    IntArray,
    RankedProfile,
    Round,
    RoundAction,
    TieBreaker,
    advance,
    next_preferences,
    sum_by,
)

SCOTTISH_DECIMALS = 5
MEEK_DECIMALS = 9
MEEK_OMEGA = Fraction(1, 10**6)
MEEK_MAX_ITERATIONS = 2000


def _start(profile: RankedProfile) -> tuple[IntArray, IntArray, np.ndarray[Any, Any]]:
    """Every row at its first preference (all candidates continuing)."""
    m = profile.rows
    pos = np.full(m, -1, dtype=np.int64)
    cur = np.full(m, -1, dtype=np.int64)
    stop = np.ones(len(profile.candidates) + 1, dtype=bool)
    advance(profile.rankings, pos, cur, np.arange(m, dtype=np.int64), stop)
    return pos, cur, stop


def _nonzero(values: dict[str, Fraction]) -> dict[str, Fraction]:
    return {c: v for c, v in values.items() if v}


def _result(
    method: ElectionMethod,
    profile: RankedProfile,
    seats: int,
    winners: list[int],
    rounds: list[Round],
    tb: TieBreaker,
    *,
    quota: Fraction | None,
) -> ElectionResult:
    cands = profile.candidates
    return ElectionResult(
        method=method,
        seats=seats,
        candidates=cands,
        winners=tuple(cands[i] for i in winners),
        rounds=tuple(rounds),
        ballots=profile.ballots,
        blank=profile.blank,
        valid_weight=Fraction(profile.valid_units(), profile.denominator),
        quota=quota,
        tie_breaks=tuple(tb.records),
        lot_seed=tb.seed if tb.lot_used else None,
        lot_order=tb.lot() if tb.lot_used else None,
    )


# --------------------------------------------------------------------------------------------
# IRV
# --------------------------------------------------------------------------------------------


def count_irv(profile: RankedProfile, tb: TieBreaker) -> ElectionResult:
    """Instant-runoff voting for one seat.

    Each round every ballot counts for its highest-ranked continuing candidate. A candidate
    with more than half of the votes on continuing ballots wins; otherwise the candidate with
    the fewest votes is excluded (ties: :class:`TieBreaker`) and their ballots go on. A ballot
    with no continuing candidate left is exhausted and no longer counts toward the majority.
    With at least one valid ballot IRV always elects someone; with none it elects nobody.

    Ballots are kept in one bucket of row numbers per candidate, so an exclusion only touches
    the excluded candidate's ballots (a million ballots count in a fraction of a second).
    """
    cands = profile.candidates
    n = len(cands)
    d = profile.denominator
    rankings = profile.rankings
    weights = profile.row_weights()
    m = profile.rows
    small = np.int16 if n < 32000 else np.int32  # 16-bit keys sort by radix: linear time
    first = np.ascontiguousarray(rankings[:, 0], dtype=small)
    tot = [0, *sum_by(first, weights, n)]  # tot[0]: exhausted, tot[c + 1]: candidate c
    order = np.argsort(first, kind="stable")
    sizes = np.bincount(first, minlength=n).tolist()
    buckets: list[list[IntArray]] = []
    start = 0
    for size in sizes:
        buckets.append([order[start : start + size]])
        start += size
    pos = np.zeros(m, dtype=np.int64)
    stop = np.ones(n + 1, dtype=bool)
    continuing = list(range(n))
    history: list[list[int]] = []
    rounds: list[Round] = []

    def tallies() -> dict[str, Fraction]:
        return {cands[c]: Fraction(tot[c + 1], d) for c in range(n)}

    history.append(tot[1:])
    rounds.append(Round(number=1, action=RoundAction.COUNT, tallies=tallies()))
    if profile.valid_units() == 0:
        return _result(ElectionMethod.IRV, profile, 1, [], rounds, tb, quota=None)
    while True:
        active = sum(tot[c + 1] for c in continuing)
        best = max(continuing, key=lambda c: tot[c + 1])
        if len(continuing) == 1 or 2 * tot[best + 1] > active:
            rounds[-1] = replace(rounds[-1], elected=(cands[best],))
            return _result(ElectionMethod.IRV, profile, 1, [best], rounds, tb, quota=None)
        low = min(tot[c + 1] for c in continuing)
        tied = [c for c in continuing if tot[c + 1] == low]
        number = len(rounds) + 1
        loser = tb.pick(tied, lowest=True, history=history, round_no=number, purpose="exclude")
        tie = tb.records[-1] if len(tied) > 1 else None
        continuing.remove(loser)
        stop[loser + 1] = False
        parts = buckets[loser]
        rows = parts[0] if len(parts) == 1 else np.concatenate(parts)
        buckets[loser] = []
        to = next_preferences(rankings, pos, rows, stop)
        moved = sum_by(to + 1, None if weights is None else weights[rows], n + 1)
        if rows.size:
            grouping = np.argsort(to.astype(small), kind="stable")
            ordered_rows = rows[grouping]
            bounds = [0, *np.cumsum(np.bincount(to + 1, minlength=n + 1)).tolist()]
            for c in continuing:
                chunk = ordered_rows[bounds[c + 1] : bounds[c + 2]]
                if chunk.size:
                    buckets[c].append(chunk)
        tot[loser + 1] = 0
        for i in range(n + 1):
            if i != loser + 1:
                tot[i] += moved[i]
        history.append(tot[1:])
        rounds.append(
            Round(
                number=number,
                action=RoundAction.EXCLUSION,
                subject=cands[loser],
                tallies=tallies(),
                eliminated=(cands[loser],),
                transfers=_nonzero({cands[c]: Fraction(moved[c + 1], d) for c in range(n)}),
                exhausted=Fraction(moved[0], d),
                exhausted_total=Fraction(tot[0], d),
                tie_break=tie,
            )
        )


# --------------------------------------------------------------------------------------------
# Scottish STV
# --------------------------------------------------------------------------------------------


def count_scottish_stv(profile: RankedProfile, seats: int, tb: TieBreaker) -> ElectionResult:
    """STV under the Scottish Local Government Elections Order 2007 (SSI 2007/42, sch. 1).

    - Rule 46: quota = (valid ballot papers / (seats + 1)), decimals ignored, plus one.
    - Rule 47: a candidate whose votes equal or exceed the quota is elected.
    - Rules 48-49: while vacancies remain, the largest surplus is transferred first (equal
      surpluses: the candidate with more votes at the most recent stage where they differed,
      then the lot). *All* the candidate's papers are examined; each transferable paper goes on
      at ``surplus x value when received / total votes``, truncated to 5 decimal places; the
      non-transferable share and the truncated remainders leave the count. One surplus per stage.
    - Rule 50-51: with no surplus to transfer, the candidate with the fewest votes is excluded
      (ties: fewest at the most recent stage where they differed, then the lot) and all their
      papers go on at their current value, in one stage.
    - Rule 52: when the continuing candidates are no more than the vacancies left, they are all
      elected and no further transfer is made.

    With no valid ballot at all, nobody is elected (as for IRV and Meek).

    Weighted ballots (colleges) count at their weight where the rules say "one", and the weights
    are scaled so that they add up to the number of valid ballots (see ``tally_stv_scottish``).
    Totals are exact integers in units of 10^-5 vote (times the weights' common denominator).
    """
    cands = profile.candidates
    n = len(cands)
    d = profile.denominator
    unit = d * 10**SCOTTISH_DECIMALS  # one vote
    rankings = profile.rankings
    m = profile.rows
    counts: Any = profile.counts if profile.counts is not None else np.ones(m, dtype=np.int64)
    units: Any = profile.units if profile.units is not None else np.ones(m, dtype=np.int64)
    total_valid = profile.valid_units() * 10**SCOTTISH_DECIMALS
    max_unit = int(max(units.tolist(), default=1))
    if total_valid * max_unit * 10**SCOTTISH_DECIMALS >= _INT64_SAFE:
        counts = counts.astype(object)
        units = units.astype(object)
    per = units * 10**SCOTTISH_DECIMALS  # value of one paper of the row, in 1/unit
    val = counts * per  # value of the whole row
    pos, cur, stop = _start(profile)
    tot = sum_by(cur + 1, val, n + 1)
    quota = unit * (total_valid // (unit * (seats + 1)) + 1)
    continuing = list(range(n))
    elected: list[int] = []
    pending: list[int] = []
    history: list[list[int]] = []
    rounds: list[Round] = []

    def tallies() -> dict[str, Fraction]:
        return {cands[c]: Fraction(tot[c + 1], unit) for c in range(n)}

    def snapshot() -> None:
        history.append(tot[1:])

    def elect(group: list[int]) -> None:
        for c in group:
            elected.append(c)
            continuing.remove(c)
            stop[c + 1] = False
        rounds[-1] = replace(
            rounds[-1], elected=rounds[-1].elected + tuple(cands[c] for c in group)
        )

    snapshot()
    rounds.append(
        Round(number=1, action=RoundAction.COUNT, tallies=tallies(), quota=Fraction(quota, unit))
    )
    while total_valid:
        reached = [c for c in continuing if tot[c + 1] >= quota]
        if reached:
            values = {c: tot[c + 1] for c in reached}
            order = tb.order(
                reached,
                _as_list(values, n),
                history=history,
                round_no=len(rounds),
                purpose="elect_order",
            )[: seats - len(elected)]
            elect(order)
            pending.extend(order)
        if len(elected) >= seats:
            break
        if len(continuing) <= seats - len(elected):
            rest = tb.order(
                continuing,
                tot[1:],
                history=history,
                round_no=len(rounds) + 1,
                purpose="elect_order",
            )
            rounds.append(
                Round(
                    number=len(rounds) + 1,
                    action=RoundAction.ELECT_REMAINING,
                    tallies=tallies(),
                    quota=Fraction(quota, unit),
                    exhausted_total=Fraction(tot[0], unit),
                )
            )
            elect(rest)
            break
        pending = [c for c in pending if tot[c + 1] > quota]
        number = len(rounds) + 1
        if pending:
            big = max(tot[c + 1] for c in pending)
            tied = [c for c in pending if tot[c + 1] == big]
            src = tb.pick(
                tied, lowest=False, history=history, round_no=number, purpose="surplus_order"
            )
            tie = tb.records[-1] if len(tied) > 1 else None
            pending.remove(src)
            total = tot[src + 1]
            surplus = total - quota
            rows = np.flatnonzero(cur == src)
            advance(rankings, pos, cur, rows, stop)
            to = cur[rows]
            ok = to >= 0
            # Rule 48(3): per paper, surplus x value when received / total, 5 decimals, truncated.
            tv = ((surplus * per[rows]) // (total * d)) * d
            cnt = counts[rows]
            non_transferable = int(sum((cnt[~ok] * tv[~ok]).tolist()))
            new_per = np.where(ok, tv, 0)
            per[rows] = new_per
            val[rows] = cnt * new_per
            moved = sum_by(to[ok] + 1, val[rows[ok]], n + 1)
            transferred = sum(moved)
            lost = surplus - transferred - non_transferable
            tot[src + 1] = quota
            for c in continuing:
                tot[c + 1] += moved[c + 1]
            tot[0] += non_transferable + lost
            snapshot()
            rounds.append(
                Round(
                    number=number,
                    action=RoundAction.SURPLUS,
                    subject=cands[src],
                    tallies=tallies(),
                    quota=Fraction(quota, unit),
                    transfers=_nonzero({cands[c]: Fraction(moved[c + 1], unit) for c in range(n)}),
                    exhausted=Fraction(non_transferable, unit),
                    lost_to_fractions=Fraction(lost, unit),
                    exhausted_total=Fraction(tot[0], unit),
                    tie_break=tie,
                )
            )
            continue
        low = min(tot[c + 1] for c in continuing)
        tied = [c for c in continuing if tot[c + 1] == low]
        loser = tb.pick(tied, lowest=True, history=history, round_no=number, purpose="exclude")
        tie = tb.records[-1] if len(tied) > 1 else None
        continuing.remove(loser)
        stop[loser + 1] = False
        rows = np.flatnonzero(cur == loser)
        advance(rankings, pos, cur, rows, stop)
        to = cur[rows]
        ok = to >= 0
        non_transferable = int(sum(val[rows[~ok]].tolist()))
        val[rows[~ok]] = 0
        moved = sum_by(to[ok] + 1, val[rows[ok]], n + 1)
        tot[loser + 1] = 0
        for c in continuing:
            tot[c + 1] += moved[c + 1]
        tot[0] += non_transferable
        snapshot()
        rounds.append(
            Round(
                number=number,
                action=RoundAction.EXCLUSION,
                subject=cands[loser],
                tallies=tallies(),
                quota=Fraction(quota, unit),
                eliminated=(cands[loser],),
                transfers=_nonzero({cands[c]: Fraction(moved[c + 1], unit) for c in range(n)}),
                exhausted=Fraction(non_transferable, unit),
                exhausted_total=Fraction(tot[0], unit),
                tie_break=tie,
            )
        )
    return _result(
        ElectionMethod.STV_SCOTTISH,
        profile,
        seats,
        elected,
        rounds,
        tb,
        quota=Fraction(quota, unit),
    )


def _as_list(values: dict[int, int], n: int) -> list[int]:
    out = [0] * n
    for c, v in values.items():
        out[c] = v
    return out


# --------------------------------------------------------------------------------------------
# Meek STV
# --------------------------------------------------------------------------------------------


def count_meek_stv(
    profile: RankedProfile,
    seats: int,
    tb: TieBreaker,
    *,
    omega: Fraction = MEEK_OMEGA,
    max_iterations: int = MEEK_MAX_ITERATIONS,
) -> ElectionResult:
    """STV by Meek's method (Hill, Wichmann & Woodall 1987; Hill 2006, Voting Matters 22).

    Every candidate has a keep value: 1 while hopeful, 0 once excluded, and for an elected
    candidate the share of each vote reaching them that they keep. Each ballot flows down its
    ranking: each candidate keeps ``weight x keep`` (rounded *up* to 9 decimals) and passes on
    the rest; what passes beyond the last preference is the excess. Then

    - quota = (total - excess) / (seats + 1), truncated to 9 decimals, plus 10^-9 (so that no
      more than ``seats`` candidates can reach it);
    - any hopeful candidate with votes >= quota is elected at once (several: most votes first);
    - elected keep values are updated to ``keep x quota / votes`` (rounded up to 9 decimals)
      and the flow is recomputed, until the elected candidates' total surplus is below
      ``omega`` (10^-6 vote), or stops shrinking, or no keep value changes (the precision
      limit), or ``max_iterations`` is reached;
    - then, if the hopefuls are no more than the seats left, they are all elected; otherwise
      the hopeful with the fewest votes is excluded (ties: :class:`TieBreaker`, looking back
      over the previous rounds) and the iteration resumes.

    A round here is a state the count stopped at: the first count, each election and each
    converged state that led to an exclusion (``eliminated`` is excluded at the end of the
    round). ``transfers`` is each candidate's change since the previous round.
    Arithmetic is exact integer fixed point (10^-9 vote, times the weights' denominator).
    """
    if profile.units is None:
        profile = profile.aggregated()
    cands = profile.candidates
    n = len(cands)
    d = profile.denominator
    scale = 10**MEEK_DECIMALS
    unit = d * scale  # one vote
    rankings = profile.rankings
    m = profile.rows
    depth = rankings.shape[1] - 1
    mult: Any = profile.row_weights()
    if mult is None:
        mult = np.ones(m, dtype=np.int64)
    if mult.dtype != object and int(mult.max(initial=1)) * scale >= _INT64_SAFE:
        mult = mult.astype(object)
    total = profile.valid_units() * scale
    omega_units = int(omega * unit)
    keep = np.full(n, scale, dtype=np.int64)
    hopeful = list(range(n))
    elected: list[int] = []
    history: list[list[int]] = []
    rounds: list[Round] = []
    previous: list[int] = [0] * n

    def distribute() -> tuple[list[int], int]:
        votes = [0] * n
        weight = np.full(m, scale, dtype=np.int64)
        rows = np.arange(m, dtype=np.int64)
        for j in range(depth):
            c = rankings[rows, j].astype(np.int64)
            live = c >= 0
            if not live.all():
                rows, c = rows[live], c[live]
            if not rows.size:
                break
            w = weight[rows]
            kept = (w * keep[c] + (scale - 1)) // scale
            part = sum_by(c, mult[rows] * kept, n)
            for i, v in enumerate(part):
                votes[i] += v
            left = w - kept
            weight[rows] = left
            rows = rows[left > 0]
        return votes, total - sum(votes)

    def record(action: RoundAction, votes: list[int], quota: int, iterations: int) -> Round:
        history.append(list(votes))
        rnd = Round(
            number=len(rounds) + 1,
            action=action,
            tallies={cands[c]: Fraction(votes[c], unit) for c in range(n)},
            quota=Fraction(quota, unit),
            transfers=_nonzero(
                {cands[c]: Fraction(votes[c] - previous[c], unit) for c in range(n)}
            ),
            exhausted_total=Fraction(total - sum(votes), unit),
            keep_values={cands[c]: Fraction(int(keep[c]), scale) for c in range(n)},
            iterations=iterations,
        )
        previous[:] = votes
        rounds.append(rnd)
        return rnd

    def elect_all(group: list[int], votes: list[int], quota: int, iterations: int) -> None:
        order = tb.order(
            group, votes, history=history, round_no=len(rounds) + 1, purpose="elect_order"
        )
        action = RoundAction.ELECT_REMAINING if rounds else RoundAction.COUNT
        rnd = record(action, votes, quota, iterations)
        for c in order:
            hopeful.remove(c)
            elected.append(c)
        rounds[-1] = replace(rnd, elected=tuple(cands[c] for c in order))

    iterations = 0
    last_surplus: int | None = None
    quota = 0
    if not total:  # no valid ballot: one empty count, nobody elected
        record(RoundAction.COUNT, [0] * n, d, 0)
    while total:
        votes, excess = distribute()
        iterations += 1
        quota = d * ((total - excess) // (d * (seats + 1)) + 1)
        if not rounds and len(hopeful) <= seats:
            elect_all(list(hopeful), votes, quota, iterations)
            break
        reached = [c for c in hopeful if votes[c] >= quota]
        if reached or not rounds:
            action = RoundAction.COUNT if not rounds else RoundAction.ELECTION
            rnd = record(action, votes, quota, iterations)
            iterations = 0
            if reached:
                order = tb.order(
                    reached, votes, history=history, round_no=rnd.number, purpose="elect_order"
                )[: seats - len(elected)]
                for c in order:
                    hopeful.remove(c)
                    elected.append(c)
                rounds[-1] = replace(rnd, elected=tuple(cands[c] for c in order))
                last_surplus = None
                if len(elected) >= seats:
                    break
                if len(hopeful) + len(elected) <= seats:
                    elect_all(list(hopeful), votes, quota, 0)
                    break
                continue
        surplus = sum(max(votes[c] - quota, 0) for c in elected)
        converged = (
            not elected
            or surplus < omega_units
            or (last_surplus is not None and surplus >= last_surplus)
            or iterations >= max_iterations
        )
        if not converged:
            changed = False
            for c in elected:
                if votes[c] > 0:
                    new = min(scale, -((-int(keep[c]) * quota) // votes[c]))
                    if new != keep[c]:
                        keep[c] = new
                        changed = True
            if changed:
                last_surplus = surplus
                continue
        if len(hopeful) + len(elected) <= seats:
            elect_all(list(hopeful), votes, quota, iterations)
            break
        if iterations == 0:
            rnd = rounds[-1]  # nothing changed since the round just recorded
        else:
            rnd = record(RoundAction.EXCLUSION, votes, quota, iterations)
        low = min(votes[c] for c in hopeful)
        tied = [c for c in hopeful if votes[c] == low]
        loser = tb.pick(tied, lowest=True, history=history, round_no=rnd.number, purpose="exclude")
        tie = tb.records[-1] if len(tied) > 1 else None
        rounds[-1] = replace(rnd, eliminated=(cands[loser],), subject=cands[loser], tie_break=tie)
        hopeful.remove(loser)
        keep[loser] = 0
        iterations = 0
        last_surplus = None
    return _result(
        ElectionMethod.STV_MEEK,
        profile,
        seats,
        elected,
        rounds,
        tb,
        quota=Fraction(quota, unit),
    )
