"""``manage.py seed_demo``: two demo co-ops, a few members, a marketplace and demo logins.

Everything is created through the domain services (as ``coopwork.testing`` does), never by raw
model writes, so the demo's books, registers and audit chain are exactly what real use produces.
Running it again changes nothing: each co-op, user and membership is only created when missing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from coopwork.core.models import Cooperative
from coopwork.core.selectors import parameter_in_force, user_roles
from coopwork.core.services import cooperative_create, parameter_set, role_grant, user_signup
from coopwork.members.models import Application, ApplicationStatus, Member
from coopwork.members.services import (
    application_admit,
    application_submit,
    college_create,
    college_weights_set,
    share_class_create,
    share_purchase_request,
    share_redemption_request,
)
from coopwork.web.demo_assemblies import seed_assemblies
from coopwork.web.demo_governance import seed_governance
from coopwork.web.demo_market import seed_marketplace

SPONSOR = "batiment-solidaire"
PLATFORM = "coursiers-unis"


@dataclass(frozen=True)
class Login:
    role: str
    username: str
    password: str
    note: str


LOGINS = (
    Login("member", "camille", "camille-demo-2026", "worker member: a delivery on its way"),
    Login("board member", "sophie", "sophie-demo-2026", "board of Coursiers Unis"),
    Login("visitor", "alex", "alex-demo-2026", "an account with no role yet: try applying"),
    Login("client", "boulangerie", "boulangerie-demo-2026", "business client: shifts, invoices"),
    Login("worker", "ahmed", "ahmed-demo-2026", "driver: an open ride waits for him"),
    Login("coordinator", "nora", "nora-demo-2026", "coordinator: live board, cases"),
)


class Command(BaseCommand):
    help = "Seed two demo co-ops (a SCOP and the SCIC it incubates) with members and demo logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--url", default="http://127.0.0.1:8000/", help="Where the site will be served."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        url = str(options["url"]).rstrip("/") + "/"
        with transaction.atomic():
            users = {login.username: self._user(login.username, login.password) for login in LOGINS}
            sponsor = self._sponsor()
            platform = self._platform(sponsor, board=users["sophie"], member=users["camille"])
            seed_marketplace(
                platform,
                camille=users["camille"],
                ahmed=users["ahmed"],
                client=users["boulangerie"],
                lea=self._user("lea", "lea-demo-2026"),
                coordinator=users["nora"],
            )
            seed_assemblies(platform, board=users["sophie"])
            seed_governance(platform, board=users["sophie"], member=users["camille"])
        self._print(url, sponsor, platform)

    # --- helpers ---------------------------------------------------------------------------------

    def _user(self, username: str, password: str, email: str | None = None) -> User:
        existing = get_user_model().objects.filter(username=username).first()
        if existing is not None:
            return existing
        return user_signup(
            username=username,
            email=email or f"{username}@demo.coopwork.localhost",
            password=password,
        )

    def _member(
        self,
        coop: Cooperative,
        *,
        board: User,
        username: str,
        name: str,
        college: str,
        shares: int,
        organisation: bool = False,
        user: User | None = None,
    ) -> Member:
        user = user or self._user(username, f"{username}-demo-2026")
        member = Member.objects.filter(cooperative=coop, user=user).first()
        if member is not None:
            return member
        application = self._apply(
            coop, user=user, name=name, college=college, shares=shares, organisation=organisation
        )
        return application_admit(
            cooperative=coop,
            application_id=application.pk,
            actor=board,
            payment_method="bank_transfer",
            payment_reference=f"VIR-{coop.slug[:4].upper()}-{application.pk:04d}",
        )

    def _apply(
        self,
        coop: Cooperative,
        *,
        user: User,
        name: str,
        college: str,
        shares: int,
        organisation: bool = False,
        motivation: str = "",
    ) -> Application:
        pending = Application.objects.filter(
            cooperative=coop, user=user, status=ApplicationStatus.PENDING
        ).first()
        if pending is not None:
            return pending
        return application_submit(
            cooperative=coop,
            user=user,
            college_code=college,
            shares=shares,
            display_name=name,
            is_organisation=organisation,
            motivation=motivation,
        )

    def _statutes(self, coop: Cooperative, key: str, value: Any, ref: str, since: dt.date) -> None:
        if parameter_in_force(cooperative=coop, key=key).source == "default":
            parameter_set(
                cooperative=coop,
                key=key,
                value=value,
                effective_from=since,
                source="statutes",
                source_ref=ref,
                actor=None,
            )

    # --- the established sponsor: a SCOP ------------------------------------------------------

    def _sponsor(self) -> Cooperative:
        coop = Cooperative.objects.filter(slug=SPONSOR).first()
        if coop is None:
            coop = cooperative_create(
                slug=SPONSOR,
                name="Coopérative Solidaire du Bâtiment",
                legal_form="scop",
                country="FR",
                currency="EUR",
                actor=None,
                texts={
                    "tagline_fr": "Des artisans associés qui rénovent Lyon depuis 1987.",
                    "tagline_en": "Craftspeople in partnership, renovating Lyon since 1987.",
                    "about_fr": (
                        "Nous sommes une SCOP de 42 salariés, dont 31 associés : maçons, "
                        "électriciens, plombiers, menuisiers. Chaque associé a une voix, quel que "
                        "soit son capital.\n\nDepuis 2025, nous incubons Coursiers Unis, la "
                        "plateforme coopérative de livraison à vélo de nos chantiers et de nos "
                        "voisins."
                    ),
                    "about_en": (
                        "We are a worker co-op of 42 employees, 31 of them members: masons, "
                        "electricians, plumbers and carpenters. Each member has one vote, whatever "
                        "their capital.\n\nSince 2025 we have incubated Coursiers Unis, the "
                        "cooperative bike-delivery platform serving our sites and our neighbours."
                    ),
                    "offer_fr": (
                        "Rénovation énergétique, gros œuvre et second œuvre pour les particuliers, "
                        "les bailleurs sociaux et les collectivités."
                    ),
                    "offer_en": (
                        "Energy retrofits, structural and finishing works for households, social "
                        "landlords and local authorities."
                    ),
                },
            )
            shares = share_class_create(
                cooperative=coop,
                code="a",
                name_en="Ordinary shares",
                name_fr="Parts sociales",
                nominal_minor=2500,
                max_per_member=400,
                actor=None,
            )
            college_create(
                cooperative=coop,
                code="workers",
                name_en="Worker members",
                name_fr="Associés salariés",
                description_en="Employees of the co-op; they hold most of the capital and votes.",
                description_fr="Les salariés de la coopérative ; ils détiennent la majorité du "
                "capital et des voix.",
                share_class=shares,
                min_shares=4,
                position=0,
                actor=None,
            )
            college_create(
                cooperative=coop,
                code="outside",
                name_en="Outside members",
                name_fr="Associés extérieurs",
                description_en="Former employees and partners who support the co-op.",
                description_fr="Anciens salariés et partenaires qui soutiennent la coopérative.",
                share_class=shares,
                min_shares=1,
                position=1,
                actor=None,
            )
        founded = dt.date(1987, 3, 2)
        self._statutes(coop, "share_redemption_delay_days", 365, "Statuts, art. 14", founded)
        self._statutes(coop, "admission_body", "board", "Statuts, art. 9", founded)
        board = self._user("marc", "marc-demo-2026")
        if "board" not in user_roles(user=board, cooperative=coop):
            role_grant(cooperative=coop, user=board, role="board", actor=None)
        self._member(
            coop,
            board=board,
            username="marc",
            name="Marc Lefèvre",
            college="workers",
            shares=20,
            user=board,
        )
        self._member(
            coop, board=board, username="nadia", name="Nadia Haddad", college="workers", shares=12
        )
        self._member(
            coop, board=board, username="jules", name="Jules Moreau", college="outside", shares=4
        )
        return coop

    # --- the platform it incubates: a SCIC ------------------------------------------------------

    def _platform(self, sponsor: Cooperative, *, board: User, member: User) -> Cooperative:
        coop = Cooperative.objects.filter(slug=PLATFORM).first()
        if coop is None:
            coop = cooperative_create(
                slug=PLATFORM,
                name="Coursiers Unis",
                legal_form="scic",
                country="FR",
                currency="EUR",
                sponsor=sponsor,
                actor=None,
                texts={
                    "tagline_fr": "La livraison à vélo qui appartient à ses coursiers, à ses "
                    "clients et à son quartier.",
                    "tagline_en": "Bike delivery owned by its riders, its clients and its "
                    "neighbourhood.",
                    "about_fr": (
                        "Coursiers Unis est une SCIC lyonnaise : les coursiers, les commerces "
                        "clients, la coopérative qui nous incube et les habitants qui nous "
                        "soutiennent en sont les associés. Pas d'actionnaire extérieur, pas "
                        "d'algorithme opaque : la commission, le plancher de rémunération et les "
                        "règles d'attribution des courses sont votés par les membres."
                    ),
                    "about_en": (
                        "Coursiers Unis is a multi-stakeholder co-op in Lyon: the riders, the "
                        "client shops, the co-op that incubates us and the residents who support "
                        "us are its members. No outside shareholders and no opaque algorithm: the "
                        "commission, the pay floor and the dispatch rules are voted by the members."
                    ),
                    "offer_fr": (
                        "Livraisons à vélo-cargo en moins de deux heures dans Lyon et "
                        "Villeurbanne, tournées régulières pour les commerces, et un prix affiché "
                        "avant de commander, dont chacun voit la part du coursier."
                    ),
                    "offer_en": (
                        "Cargo-bike deliveries within two hours across Lyon and Villeurbanne, "
                        "regular rounds for shops, and a price shown before you book, with the "
                        "rider's share visible to everyone."
                    ),
                },
            )
            shares = share_class_create(
                cooperative=coop,
                code="a",
                name_en="Ordinary shares",
                name_fr="Parts sociales",
                nominal_minor=2000,
                max_per_member=500,
                actor=None,
            )
            colleges = (
                ("workers", "Riders", "Coursiers", 1,
                 "The people who ride: employees and riders on the path to membership.",
                 "Celles et ceux qui roulent : salariés et coursiers futurs sociétaires."),
                ("users", "Clients", "Clients", 1,
                 "Shops, restaurants and residents who book deliveries.",
                 "Commerces, restaurants et habitants qui commandent des livraisons."),
                ("sponsors", "Partner co-ops", "Coopératives partenaires", 10,
                 "Co-ops that back the platform with capital and know-how.",
                 "Les coopératives qui soutiennent la plateforme en capital et en savoir-faire."),
                ("supporters", "Supporters", "Soutiens", 1,
                 "Residents and friends who believe in a fair delivery platform.",
                 "Habitants et amis qui croient en une plateforme de livraison équitable."),
            )  # fmt: skip
            for position, (code, en, fr, minimum, desc_en, desc_fr) in enumerate(colleges):
                college_create(
                    cooperative=coop,
                    code=code,
                    name_en=en,
                    name_fr=fr,
                    description_en=desc_en,
                    description_fr=desc_fr,
                    share_class=shares,
                    min_shares=minimum,
                    position=position,
                    actor=None,
                )
            college_weights_set(
                cooperative=coop,
                weights={
                    "workers": Decimal(40),
                    "users": Decimal(30),
                    "sponsors": Decimal(20),
                    "supporters": Decimal(10),
                },
                actor=None,
            )
        founded = dt.date(2025, 9, 15)
        self._statutes(coop, "admission_body", "board", "Statuts, art. 11", founded)
        self._statutes(coop, "share_redemption_delay_days", 180, "Statuts, art. 16", founded)
        self._statutes(coop, "commission_rate", "15/100", "Statuts, art. 22", founded)
        self._statutes(coop, "pay_floor_hourly", 1500, "Statuts, art. 23", founded)
        if "board" not in user_roles(user=board, cooperative=coop):
            role_grant(cooperative=coop, user=board, role="board", actor=None)
        self._member(
            coop,
            board=board,
            username="sophie",
            name="Sophie Bernard",
            college="workers",
            shares=5,
            user=board,
        )
        camille = self._member(
            coop,
            board=board,
            username="camille",
            name="Camille Durand",
            college="workers",
            shares=3,
            user=member,
        )
        ahmed = self._member(
            coop, board=board, username="ahmed", name="Ahmed Benali", college="workers", shares=2
        )
        self._member(
            coop,
            board=board,
            username="boulangerie",
            name="Boulangerie du Coin",
            college="users",
            shares=5,
            organisation=True,
        )
        self._member(
            coop, board=board, username="lea", name="Léa Martin", college="supporters", shares=1
        )
        marc = self._user("marc", "marc-demo-2026")
        self._member(
            coop,
            board=board,
            username="marc",
            name="Coopérative Solidaire du Bâtiment",
            college="sponsors",
            shares=50,
            organisation=True,
            user=marc,
        )
        # Something for the board to look at: one pending application, one purchase request.
        self._apply(
            coop, user=self._user("julien", "julien-demo-2026"), name="Julien Petit",
            college="workers", shares=2,
            motivation="Je roule pour vous depuis six mois et je veux avoir mon mot à dire.",
        )  # fmt: skip
        if not camille.share_requests.exists():
            share_purchase_request(cooperative=coop, user=member, quantity=2)
        if not ahmed.share_requests.exists():
            share_redemption_request(cooperative=coop, user=ahmed.user, quantity=1)
        return coop

    # --- output ----------------------------------------------------------------------------------

    def _print(self, url: str, sponsor: Cooperative, platform: Cooperative) -> None:
        line = "=" * 72
        out = self.stdout.write
        style = self.style
        out("")
        out(style.SUCCESS(line))
        out(style.SUCCESS(f"  coopwork demo is ready: {url}"))
        out(style.SUCCESS(line))
        out("  Co-ops:")
        out(f"    {platform.name} (SCIC, incubated)   {url}c/{platform.slug}/")
        out(f"    {sponsor.name} (SCOP, sponsor)   {url}c/{sponsor.slug}/")
        out("")
        out(f"  Demo logins (sign in at {url}accounts/login/):")
        width = max(len(login.role) for login in LOGINS)
        name_w = max(len(login.username) for login in LOGINS)
        pass_w = max(len(login.password) for login in LOGINS)
        for login in LOGINS:
            out(
                f"    {login.role:<{width}}  user {login.username:<{name_w}} "
                f"password {login.password:<{pass_w}} ({login.note})"
            )
        out("")
        out(f"  Board page:   {url}c/{platform.slug}/board/")
        out(f"  Member page:  {url}c/{platform.slug}/me/")
        out(f"  Book:         {url}c/{platform.slug}/book/   (client: boulangerie)")
        out(f"  Work:         {url}c/{platform.slug}/work/   (workers: camille, ahmed)")
        out(f"  Coordinate:   {url}c/{platform.slug}/coord/  (coordinator: nora)")
        out(f"  Decisions:    {url}c/{platform.slug}/governance/  (an open election: camille)")
        out(f"  Assemblies:   {url}c/{platform.slug}/assemblies/  (an AGM convened: sophie chairs)")
        out(f"  Seeded on {timezone.localdate().isoformat()}; running it again changes nothing.")
        out(style.SUCCESS(line))
        out("")
