"""The playground's demo workspace: four people, two channels, and the habilitation groups they need,
seeded idempotently through the domain services."""

from __future__ import annotations

from dataclasses import dataclass

from bot.context import AppContext
from bot.directory_loading import load_demo_directory
from devtools.fake_slack import FakeSlack
from domain.errors import NotHabilitated
from domain.habilitation import Perimeter
from domain.services import add_member, create_group, list_groups, resolve_member

CHANNELS = {"C0GENERAL": "général", "C0SUIVI": "suivi-anomalies"}
RECIPIENT_EMAIL = "urgences.ror@ch-narbonne.fr"  # destinataire of offer 91/1570 in bot/demo/directory.json


@dataclass(frozen=True)
class DemoUser:
    id: str
    email: str
    first_name: str
    last_name: str
    role: str  # what the page says about them
    group: str | None = None
    regions: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name, "email": self.email, "role": self.role}


USERS = (
    DemoUser(
        "UALICE",
        "alice@editeur.fr",
        "Alice",
        "Martin",
        "Membre du groupe « Éditeur Occitanie » (région 76) : voit les anomalies de l'Occitanie.",
        "Éditeur Occitanie",
        ("76",),
    ),
    DemoUser(
        "ULEA",
        "lea@editeur-aura.fr",
        "Léa",
        "Durand",
        "Membre du groupe « Éditeur Auvergne-Rhône-Alpes » (région 84) : ne voit rien de l'Occitanie.",
        "Éditeur Auvergne-Rhône-Alpes",
        ("84",),
    ),
    DemoUser(
        "UPAUL",
        RECIPIENT_EMAIL,
        "Paul",
        "Roche",
        "Destinataire de l'offre 91/1570 (Urgences adultes du CH Narbonne) : reçoit en message privé "
        "les anomalies déclarées sur elle et y répond.",
    ),
    DemoUser(
        "UBOB",
        "bob@ailleurs.fr",
        "Bob",
        "Dupont",
        "Dans aucun groupe d'habilitation : le bot lui explique comment demander un accès.",
    ),
)


def add_people(fake: FakeSlack) -> None:
    for user in USERS:
        fake.add_user(user.id, user.email, user.name, user.first_name, user.last_name)


def seed(context: AppContext) -> list[str]:
    """Make sure the demo directory and the groups of the demo people exist; French lines saying what
    was done. Running it again changes nothing."""
    done: list[str] = []
    with context.store.reader() as uow:
        empty = uow.directory.count() == 0
    if empty:
        report = load_demo_directory(context)
        done.append(f"annuaire de démonstration chargé ({report.created} ressources)")
    groups = {group.name: group for group in list_groups(uow=context.uow())}
    for user in USERS:
        if user.group is None:
            continue
        perimeter = Perimeter.of_regions(list(user.regions))
        existing = groups.get(user.group)
        if existing is None:
            create_group(name=user.group, perimeter=perimeter, uow=context.uow())
            done.append(f"groupe « {user.group} » créé (région {', '.join(user.regions)})")
        elif existing.perimeter != perimeter:
            done.append(f"le groupe « {user.group} » garde son périmètre ({existing.perimeter.describe()})")
        try:
            member = resolve_member(email=user.email, uow=context.store.reader())
        except NotHabilitated:
            add_member(group_name=user.group, email=user.email, uow=context.uow())
            done.append(f"{user.email} ajouté(e) au groupe « {user.group} »")
        else:
            if member.group != user.group:
                done.append(f"{user.email} reste dans le groupe « {member.group} »")
    return done
