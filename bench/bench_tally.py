"""Tally benchmark: IRV over 1,000,000 ballots and STV (10 seats) over 100,000 ballots.

Each count is timed (median of several repetitions) against the reference implementation,
pref_voting (a test dependency), on the same ballots in the same run, and the winners are
compared. Ballots are synthetic with fixed seeds: 12 candidates, three voter blocs each with its
own Plackett-Luce preference weights, partial rankings (length geometric, mean about 3).

pref_voting is pure Python and works on aggregated profiles (one row per distinct ranking with
its count), so it gets the aggregated profile; building that profile is timed apart and left
out of its figure. Its IRV on the million ballots runs once. Its Meek STV iterates in floats
towards a 1e-10 tolerance that it cannot reach on thousands of votes, and then spins to its
2,000-iteration cap in every phase (minutes even on 10,000 ballots), so it runs once with
``max_iter=50`` per phase (its keep values have long converged by then).

Run: ``.venv/bin/python bench/bench_tally.py`` (``make bench`` runs every bench/bench_*.py).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import numpy as np

from coopwork.governance.tallying import (
    ElectionResult,
    RankedProfile,
    tally_irv,
    tally_stv_meek,
    tally_stv_scottish,
)

N_CANDIDATES = 12
CANDIDATES = [f"cand{i:02d}" for i in range(N_CANDIDATES)]
LOT = list(CANDIDATES)  # fixed lot order, the same for both sides (cand00 most favoured)
IRV_BALLOTS = 1_000_000
STV_BALLOTS = 100_000
STV_SEATS = 10


def synthetic(n: int, seed: int) -> np.ndarray:
    """``n`` partial rankings: Plackett-Luce in three blocs, lengths geometric(0.35)."""
    rng = np.random.default_rng(seed)
    blocs = rng.dirichlet(np.full(N_CANDIDATES, 0.7), size=3)
    bloc = rng.choice(3, size=n, p=[0.5, 0.3, 0.2])
    keys = np.log(blocs[bloc]) + rng.gumbel(size=(n, N_CANDIDATES))  # Gumbel-max = PL draw
    rankings = np.argsort(-keys, axis=1).astype(np.int16)
    lengths = np.minimum(rng.geometric(0.35, size=n), N_CANDIDATES)
    rankings[np.arange(N_CANDIDATES)[None, :] >= lengths[:, None]] = -1
    return rankings


def timed(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times = []
    result = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def reference_profile(profile: RankedProfile) -> Any:
    from pref_voting.profiles_with_ties import ProfileWithTies

    agg = profile.aggregated()
    counts = agg.counts.tolist() if agg.counts is not None else [1] * agg.rows
    rankings = [
        {CANDIDATES[c]: r + 1 for r, c in enumerate(row) if c >= 0} for row in agg.rankings.tolist()
    ]
    return ProfileWithTies(rankings, rcounts=counts, candidates=CANDIDATES)


def line(label: str, seconds: float, note: str = "") -> None:
    print(f"  {label:<64} {seconds:9.3f} s  {note}".rstrip())


def verdict(ours: ElectionResult, ref: list[str], *, ordered: bool = False) -> str:
    same = list(ours.winners) == ref if ordered else sorted(ours.winners) == sorted(ref)
    ties = f", {len(ours.tie_breaks)} tie(s) broken" if ours.tie_breaks else ""
    return f"{'IDENTICAL' if same else 'DIFFERENT'} winners{ties}"


def main() -> int:
    try:
        from pref_voting.iterative_methods import instant_runoff_tb
        from pref_voting.proportional_methods import stv_meek, stv_scottish
    except ImportError:
        print("pref_voting is not installed (test dependency): no reference to compare with.")
        return 1
    ok = True
    started = time.perf_counter()
    print("Tally benchmark: coopwork.governance.tallying vs pref_voting (medians; same run)")

    # ---------------------------------------------------------------- IRV, 1,000,000 ballots
    arr = synthetic(IRV_BALLOTS, seed=2026)
    t_build, profile = timed(lambda: RankedProfile.from_array(CANDIDATES, arr), 3)
    agg = profile.aggregated()
    print(
        f"\nIRV, {IRV_BALLOTS:,} ballots, {N_CANDIDATES} candidates "
        f"({agg.rows:,} distinct rankings)"
    )

    def irv(p: RankedProfile) -> ElectionResult:
        return tally_irv(p, lot_order=LOT, use_previous_rounds=False)

    t_ours, ours = timed(lambda: irv(profile), 5)
    t_ours_agg, ours_agg = timed(lambda: irv(agg), 5)
    t_ref_build, ref_profile = timed(lambda: reference_profile(profile), 1)
    t_ref, ref = timed(lambda: instant_runoff_tb(ref_profile, tie_breaker=LOT[::-1]), 1)
    line("coopwork tally_irv, 1M-row array (median of 5)", t_ours)
    line("coopwork tally_irv, aggregated profile (median of 5)", t_ours_agg)
    line("coopwork RankedProfile.from_array, validation (median of 3)", t_build)
    line("pref_voting instant_runoff_tb, aggregated profile (1 run)", t_ref)
    line("  (pref_voting profile build, not counted)", t_ref_build)
    print(
        f"  ratio reference / coopwork: {t_ref / t_ours:,.0f}x (1M-row array), "
        f"{t_ref / t_ours_agg:,.0f}x (same aggregated input)"
    )
    print(
        f"  winners: coopwork {list(ours.winners)}, pref_voting {ref}: "
        f"{verdict(ours, ref, ordered=True)}; {len(ours.rounds)} rounds"
    )
    as_lists = [tuple(CANDIDATES[c] for c in row if c >= 0) for row in arr.tolist()]
    t_lists, from_lists = timed(lambda: tally_irv(as_lists, CANDIDATES, lot_order=LOT), 1)
    line("coopwork tally_irv from 1M Python tuples (validate+count, 1 run)", t_lists)
    ok &= from_lists.winners == ours.winners
    default = tally_irv(profile)
    print(
        f"  coopwork default tie rule (previous rounds, then seeded lot): {list(default.winners)}"
    )
    print(f"  1M-ballot IRV under one second: {'yes' if t_ours < 1 else 'NO'} ({t_ours:.3f} s)")
    ok &= list(ours.winners) == ref == list(ours_agg.winners)

    # ---------------------------------------------------------------- STV, 100,000 ballots
    arr = synthetic(STV_BALLOTS, seed=1947)
    stv_profile = RankedProfile.from_array(CANDIDATES, arr)
    stv_agg = stv_profile.aggregated()
    print(
        f"\nScottish STV, {STV_SEATS} seats, {STV_BALLOTS:,} ballots "
        f"({stv_agg.rows:,} distinct rankings)"
    )
    t_ours, ours = timed(lambda: tally_stv_scottish(stv_profile, seats=STV_SEATS, lot_order=LOT), 5)
    t_ref_build, ref_profile = timed(lambda: reference_profile(stv_profile), 1)
    t_ref, ref = timed(lambda: stv_scottish(ref_profile, num_seats=STV_SEATS), 3)
    line("coopwork tally_stv_scottish (median of 5)", t_ours)
    line("pref_voting stv_scottish, aggregated profile (median of 3)", t_ref)
    line("  (pref_voting profile build, not counted)", t_ref_build)
    print(f"  ratio reference / coopwork: {t_ref / t_ours:,.1f}x")
    print(f"  winners: {verdict(ours, ref)}; {len(ours.rounds)} stages")
    ok &= sorted(ours.winners) == sorted(ref)

    print(f"\nMeek STV, {STV_SEATS} seats, {STV_BALLOTS:,} ballots (same ballots)")
    t_ours, meek = timed(lambda: tally_stv_meek(stv_profile, seats=STV_SEATS, lot_order=LOT), 3)
    t_ref, ref = timed(
        lambda: stv_meek(ref_profile, num_seats=STV_SEATS, max_iter=50, tie_break_key=LOT.index),
        1,
    )
    iterations = sum(r.iterations for r in meek.rounds)
    line("coopwork tally_stv_meek (median of 3)", t_ours, f"{iterations} iterations")
    line("pref_voting stv_meek, aggregated profile, max_iter=50 (1 run)", t_ref)
    print(f"  ratio reference / coopwork: {t_ref / t_ours:,.0f}x")
    print(
        f"  winners: {verdict(meek, ref)}; same set as Scottish STV here: "
        f"{sorted(meek.winners) == sorted(ours.winners)}"
    )
    ok &= sorted(meek.winners) == sorted(ref)

    print(
        f"\nWhole benchmark: {time.perf_counter() - started:.0f} s. "
        f"All winners identical: {'yes' if ok else 'NO'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
