"""Governance: proposals, ballots, elections, assemblies and the resolutions members adopt.

- :mod:`tallying` (with ``_core`` and ``ranked``) is the pure counting core, without the ORM.
- ``models``, ``services`` and ``selectors`` are packages split by area: ``ballots`` (proposals,
  online ballots and elections, receipts, resolutions that set parameters) and ``assemblies``
  (general assemblies: notice, agenda, attendance, postal votes, proxies, quorum, minutes). Each
  package's ``__init__`` re-exports the public names, so callers import from
  ``coopwork.governance.services`` and ``coopwork.governance.selectors``.
"""
