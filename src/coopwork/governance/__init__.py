"""Governance: the pure counting core (:mod:`coopwork.governance.tallying`).

No Django app lives here yet: the services, models and views that record proposals, ballots,
assemblies and elections will be built around the tallying module.
"""
