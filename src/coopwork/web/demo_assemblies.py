"""Demo data for general assemblies: an upcoming ordinary assembly of the platform co-op, with
an agenda that includes a commission change. Created through the services; running it again
changes nothing (an assembly already convened is left as it is)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.utils import timezone

from coopwork.core.models import Cooperative
from coopwork.core.selectors import parameter_value
from coopwork.governance.models import Assembly
from coopwork.governance.services import ItemSpec, assembly_convene


def seed_assemblies(coop: Cooperative, *, board: User) -> Assembly:
    existing = Assembly.objects.filter(cooperative=coop).order_by("id").first()
    if existing is not None:
        return existing
    notice = int(parameter_value(cooperative=coop, key="assembly_notice_days"))
    day = timezone.localdate() + dt.timedelta(days=notice + 6)
    starts_at = timezone.make_aware(dt.datetime.combine(day, dt.time(18, 30)))
    return assembly_convene(
        cooperative=coop,
        actor=board,
        kind="ordinary",
        title="Assemblée générale ordinaire annuelle",
        starts_at=starts_at,
        place="Maison de la coopération, 12 rue des Tanneurs, Lyon",
        remote_url="https://visio.coursiers-unis.example/ag",
        items=[
            ItemSpec(
                title="Approbation des comptes de l’exercice",
                text="Le conseil présente les comptes et le rapport de gestion.",
            ),
            ItemSpec(
                title="Commission de la coopérative ramenée à 10 %",
                text="La part de la coopérative sur le prix de chaque course passe de 12 % à 10 %.",
                parameter_key="commission_rate",
                parameter_value="10/100",
                effective_from=day + dt.timedelta(days=14),
            ),
            ItemSpec(
                title="Affectation du résultat",
                text="Réserves impartageables, puis ristournes aux coursiers selon leurs heures.",
            ),
        ],
    )
