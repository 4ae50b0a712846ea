"""Dispatch: batched, near-optimal, fair and explainable matching of open jobs to workers.

``matching`` and ``fairness`` are pure modules (numpy/scipy, no ORM); the Django side of dispatch
(rounds, offers, governed weights) builds on them.
"""
