"""Registers one router per domain under /api/v1."""

from ninja import NinjaAPI

from . import (
    applications,
    assemblies,
    auth,
    books,
    coops,
    coordination,
    dispatch,
    fallback,
    governance,
    jobs,
    me,
    notifications,
    parameters,
    registers,
    shares,
    work,
)


def register(api: NinjaAPI) -> None:
    api.add_router("/auth", auth.router)
    for module in (coops, applications, me, shares, registers, parameters, books):
        api.add_router("", module.router)
    for module in (jobs, work, coordination, notifications):  # the marketplace
        api.add_router("", module.router)
    api.add_router("", assemblies.router)  # governance: general assemblies
    api.add_router("", governance.router)  # governance: proposals, ballots, resolutions
    api.add_router("", dispatch.router)  # dispatch: rounds, explained offers, fairness curve
    api.add_router("", fallback.router)  # last: it matches every path the others did not
