"""A seeded, reproducible national-scale dataset, bulk-loaded into any DATABASE_URL.

At scale 1: 100,000 structures, 500,000 offers, 1,000,000 anomalies over every région, département and
status, each with its history (2–4 entries; 1 for the few still *Créée*). The same seed and scale give
the same rows on SQLite and PostgreSQL.

    .venv/bin/python -m benchmarks.generate --database-url postgresql+psycopg://postgres@127.0.0.1/ror_bench
    .venv/bin/python -m benchmarks.generate --database-url sqlite:///bench.db --scale 0.001

Loading: PostgreSQL through COPY (psycopg), SQLite through executemany in one transaction with the
journal off; secondary indexes are dropped before and built after (from storage.models, so they are
the application's own), derived tables rebuilt, then VACUUM/ANALYZE.
"""

import argparse
import json
import random
import sqlite3
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Index, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.schema import CreateIndex

from domain.catalogue import CATALOGUE, ResourceKind
from domain.geography import DEPARTEMENT_TO_REGION, OLD_TO_NEW_REGION
from domain.habilitation import Member, Perimeter
from domain.text import fold
from storage import open_store
from storage.maintenance import rebuild_counts_sql
from storage.models import (
    FIRST_REFERENCE_NUMBER,
    REFERENCE_SEQUENCE,
    AnomalyNameRow,
    AnomalyRow,
    HistoryRow,
    ResourceRow,
)

DEFAULT_SEED = 20260115
# Fixed so date filters select the same rows in every run: three years of activity before this.
DATASET_END = datetime(2026, 11, 1, tzinfo=UTC)
DATASET_SPAN = timedelta(days=3 * 365)
BENCH_GROUP = "Benchmark national"
BENCH_EMAIL = "bench@editeur.example"
BENCH_MEMBER = Member(email=BENCH_EMAIL, group=BENCH_GROUP, perimeter=Perimeter.everywhere())


@dataclass(frozen=True, slots=True)
class Scale:
    structures: int
    offers: int
    anomalies: int

    @classmethod
    def of(cls, factor: float) -> "Scale":
        return cls(
            structures=max(20, round(100_000 * factor)),
            offers=max(50, round(500_000 * factor)),
            anomalies=max(100, round(1_000_000 * factor)),
        )


# --- the directory ------------------------------------------------------------------------------------

_STRUCTURE_TYPES: tuple[tuple[str, int], ...] = (
    ("Centre hospitalier", 6),
    ("CH", 4),
    ("Hôpital", 3),
    ("HOPITAL LOCAL", 1),
    ("Hôpital privé", 1),
    ("Clinique", 5),
    ("Polyclinique", 2),
    ("EHPAD", 14),
    ("Résidence autonomie", 4),
    ("Centre de santé", 6),
    ("Maison de santé pluriprofessionnelle", 6),
    ("Pharmacie", 10),
    ("Laboratoire de biologie médicale", 4),
    ("Centre médico-psychologique", 3),
    ("Institut médico-éducatif", 3),
    ("Foyer d'accueil médicalisé", 3),
    ("Maison d'accueil spécialisée", 2),
    ("Service de soins infirmiers à domicile", 4),
    ("Centre de soins de suite et de réadaptation", 2),
    ("Centre d'action médico-sociale précoce", 1),
    ("Établissement et service d'aide par le travail", 3),
    ("Centre de rééducation fonctionnelle", 1),
    ("Centre de dialyse", 1),
    ("Hôpital de jour", 1),
    ("Cabinet de radiologie", 3),
    ("Centre de planification familiale", 1),
    ("Centre de lutte contre le cancer", 1),
)
_PLACES = (
    "Saint-Étienne",
    "Narbonne",
    "Béziers",
    "Perpignan",
    "Montpellier",
    "Nîmes",
    "Alès",
    "Sète",
    "Agde",
    "Carcassonne",
    "Castelnaudary",
    "Lézignan-Corbières",
    "Limoux",
    "Quillan",
    "Toulouse",
    "Albi",
    "Castres",
    "Rodez",
    "Millau",
    "Cahors",
    "Montauban",
    "Auch",
    "Tarbes",
    "Lourdes",
    "Pau",
    "Bayonne",
    "Biarritz",
    "Dax",
    "Mont-de-Marsan",
    "Bordeaux",
    "Libourne",
    "Périgueux",
    "Bergerac",
    "Agen",
    "Angoulême",
    "La Rochelle",
    "Niort",
    "Poitiers",
    "Limoges",
    "Guéret",
    "Tulle",
    "Brive-la-Gaillarde",
    "Clermont-Ferrand",
    "Vichy",
    "Moulins",
    "Aurillac",
    "Le Puy-en-Velay",
    "Lyon",
    "Villeurbanne",
    "Vénissieux",
    "Grenoble",
    "Chambéry",
    "Annecy",
    "Valence",
    "Privas",
    "Bourg-en-Bresse",
    "Roanne",
    "Dijon",
    "Besançon",
    "Mâcon",
    "Chalon-sur-Saône",
    "Nevers",
    "Auxerre",
    "Belfort",
    "Montbéliard",
    "Lons-le-Saunier",
    "Orléans",
    "Tours",
    "Blois",
    "Chartres",
    "Châteauroux",
    "Bourges",
    "Nantes",
    "Saint-Nazaire",
    "Angers",
    "Le Mans",
    "Laval",
    "La Roche-sur-Yon",
    "Rennes",
    "Saint-Malo",
    "Brest",
    "Quimper",
    "Lorient",
    "Vannes",
    "Saint-Brieuc",
    "Caen",
    "Rouen",
    "Le Havre",
    "Évreux",
    "Cherbourg-en-Cotentin",
    "Alençon",
    "Lille",
    "Roubaix",
    "Tourcoing",
    "Dunkerque",
    "Valenciennes",
    "Arras",
    "Lens",
    "Amiens",
    "Beauvais",
    "Compiègne",
    "Saint-Quentin",
    "Laon",
    "Reims",
    "Troyes",
    "Châlons-en-Champagne",
    "Metz",
    "Nancy",
    "Épinal",
    "Strasbourg",
    "Colmar",
    "Mulhouse",
    "Paris",
    "Créteil",
    "Bobigny",
    "Nanterre",
    "Versailles",
    "Évry-Courcouronnes",
    "Cergy",
    "Melun",
    "Meaux",
    "Marseille",
    "Aix-en-Provence",
    "Toulon",
    "Nice",
    "Cannes",
    "Antibes",
    "Avignon",
    "Gap",
    "Digne-les-Bains",
    "Ajaccio",
    "Bastia",
    "Pointe-à-Pitre",
    "Fort-de-France",
    "Cayenne",
    "Saint-Denis",
    "Saint-Pierre",
    "Mamoudzou",
)
_SAINTS = (
    "Hôtel-Dieu",
    "Notre-Dame",
    "Sainte-Thérèse",
    "Saint-Joseph",
    "Saint-Jean",
    "Sainte-Marie",
    "Les Tilleuls",
    "Les Oliviers",
    "Le Bois Fleuri",
    "La Roseraie",
    "Les Glycines",
    "Pasteur",
    "Jean-Jaurès",
    "Victor-Hugo",
    "Émile-Roux",
    "Marie-Curie",
    "Louis-Pasteur",
    "Simone-Veil",
    "François-Rabelais",
    "Ambroise-Paré",
    "Les Cèdres",
    "Le Vallon",
    "Bellevue",
    "Val-d'Aurelle",
    "Saint-Éloi",
    "Sainte-Anne",
    "Côte d'Émeraude",
    "Les Écureuils",
    "L'Orée du Bois",
    "Ker Héol",
)
_OFFER_NAMES = (
    "Unité mobile de Gériatrie",
    "Service des urgences",
    "Consultation de cardiologie",
    "Hébergement permanent",
    "Hébergement temporaire",
    "Accueil de jour",
    "Hospitalisation complète de médecine polyvalente",
    "Soins de suite et de réadaptation",
    "Pédiatrie",
    "Néonatologie",
    "Maternité",
    "Équipe mobile de soins palliatifs",
    "Unité de soins de longue durée",
    "Psychiatrie adulte",
    "Pédopsychiatrie",
    "Hôpital de jour de psychiatrie",
    "Chirurgie orthopédique",
    "Chirurgie ambulatoire",
    "Réanimation",
    "Unité de soins intensifs de cardiologie",
    "Imagerie médicale",
    "Consultation mémoire",
    "Addictologie",
    "Centre de prélèvements",
    "Dialyse",
    "Oncologie médicale",
    "Pneumologie",
    "Gastro-entérologie",
    "Néphrologie",
    "Rééducation neurologique",
    "Service de soins infirmiers à domicile",
    "Pôle d'activités et de soins adaptés",
    "Unité d'hébergement renforcée",
    "Consultation de médecine générale",
    "Soins dentaires",
    "Kinésithérapie",
    "Orthophonie",
    "Prise en charge des troubles du spectre de l'autisme",
    "Accueil familial thérapeutique",
    "Télésurveillance",
)
_STREETS = (
    "Boulevard Dr Lacroix",
    "Rue de la République",
    "Avenue Jean Jaurès",
    "Rue Pasteur",
    "Place de l'Église",
    "Chemin des Écoliers",
    "Rue du Général de Gaulle",
    "Avenue de la Gare",
    "Rue Émile Zola",
    "Quai des Chartrons",
    "Allée des Platanes",
    "Route de Béziers",
    "Rue Sainte-Catherine",
    "Impasse des Mûriers",
    "Cours Mirabeau",
)
_CATEGORIES = (
    "355 - Centre Hospitalier (C.H.)",
    "101 - Centre Hospitalier Régional (C.H.R.)",
    "365 - Établissement de Soins Pluridisciplinaire",
    "500 - EHPAD",
    "620 - Pharmacie d'Officine",
    "124 - Centre de Santé",
    "603 - Maison de santé (L.6223-3)",
    "183 - Institut Médico-Éducatif (I.M.E.)",
    "437 - Foyer d'Accueil Médicalisé",
    "109 - Établissement de santé privé autorisé en SSR",
)
_DESCRIPTIONS = (
    "Le numéro de rue est erroné : l'entrée principale est au {n} et non au {m}.",
    "Le standard indiqué ne répond plus depuis le déménagement ; le nouveau numéro est le 04 {n:02d} {m:02d} 12 34.",
    "Les horaires affichés ne correspondent pas à ceux de l'accueil (fermé le samedi après-midi).",
    "La catégorie d'établissement ne correspond pas à l'activité réelle de la structure.",
    "Offre « {offer} » absente du ROR alors qu'elle est ouverte depuis {year}.",
    "La tranche d'âge de la patientèle est incomplète : les enfants de moins de 3 ans sont accueillis.",
    "Le nom de la structure a changé après la fusion ; l'ancien nom est encore affiché.",
    "La date de fermeture est dépassée mais la structure accueille toujours des patients.",
    "Le mode de prise en charge « hospitalisation de jour » manque.",
    "Le contact de l'offre renvoie vers le secrétariat d'un autre service.",
    "Règle qualité : donnée non renseignée alors qu'elle est obligatoire pour cette catégorie.",
    "Adresse géocodée dans la mauvaise commune (code postal {n}{m:03d}).",
)
_SYSTEMS = (("IHM Déclaration ROR national", 30), ("API FHIR", 45), ("ROR Anomalies (Slack)", 25))
# Final status → how often, and the history paths that lead to it.
_STATUS_PATHS: tuple[tuple[str, int, tuple[tuple[str, ...], ...]], ...] = (
    ("01", 2, (("01",),)),
    ("02", 30, (("01", "02"),)),
    ("03", 90, (("01", "04", "03"), ("01", "05", "03"), ("01", "05", "10", "03"))),
    ("04", 150, (("01", "04"),)),
    ("05", 190, (("01", "05"), ("01", "04", "05"), ("01", "02", "05"))),
    ("06", 50, (("01", "05", "06"), ("01", "05", "10", "06"))),
    ("07", 30, (("01", "05", "07"), ("01", "05", "06", "07"))),
    ("08", 290, (("01", "05", "08"), ("01", "05", "10", "08"), ("01", "04", "05", "08"))),
    ("09", 70, (("01", "05", "09"), ("01", "05", "10", "09"))),
    ("10", 60, (("01", "05", "10"), ("01", "04", "05", "10"))),
    ("11", 38, (("01", "05", "11"), ("01", "05", "10", "11"))),
)
_ROLE_OF_TARGET = {"01": "D", "02": "S", "03": "D", "04": "S", "05": "S", "10": "R", "11": "R"}

_DEPARTEMENTS = sorted(DEPARTEMENT_TO_REGION)
_BIG_DEPARTEMENTS = {"13", "31", "33", "34", "59", "62", "69", "75", "92", "93", "94", "06", "44", "67"}
_OLD_CODES_OF: dict[str, list[str]] = {}
for _old, _new in sorted(OLD_TO_NEW_REGION.items()):
    _OLD_CODES_OF.setdefault(_new, []).append(_old)
_FINESS_DEP = {"971": "9A", "972": "9B", "973": "9C", "974": "9D", "976": "9F"}


@dataclass(slots=True)
class Structure:
    resource_id: str
    name: str
    folded: str
    name_id: int
    region: str
    departement: str
    recipient: str | None
    address: str
    data: dict[str, str]


@dataclass(slots=True)
class Offer:
    resource_id: str
    name: str
    structure: Structure
    recipient: str | None
    data: dict[str, str]


@dataclass(slots=True)
class Directory:
    structures: list[Structure] = field(default_factory=list)
    offers: list[Offer] = field(default_factory=list)


def _weighted(rng: random.Random, choices: Sequence[tuple[Any, int]]) -> Callable[[], Any]:
    values = [c for c, _ in choices]
    cumulative: list[int] = []
    total = 0
    for _, weight in choices:
        total += weight
        cumulative.append(total)
    return lambda: rng.choices(values, cum_weights=cumulative)[0]


def build_directory(scale: Scale, rng: random.Random) -> Directory:
    directory = Directory()
    pick_type = _weighted(rng, _STRUCTURE_TYPES)
    dep_weights = [(d, 3 if d in _BIG_DEPARTEMENTS else 1) for d in _DEPARTEMENTS]
    pick_dep = _weighted(rng, dep_weights)
    counters: dict[str, int] = {}
    name_ids: dict[str, int] = {}
    for i in range(scale.structures):
        dep = pick_dep()
        counters[dep] = counters.get(dep, 5_000_000) + 1
        finess_dep = _FINESS_DEP.get(dep, dep)
        # Every tenth structure is known by its SIRET, the rest by FINESS (SPEC §3).
        resource_id = (
            f"3{rng.randrange(10**13, 10**14)}" if i % 10 == 9 else f"1{finess_dep}{counters[dep]:07d}"
        )
        kind = pick_type()
        place = rng.choice(_PLACES)
        saint = rng.choice(_SAINTS)
        style = rng.random()
        if kind.isupper():  # FINESS-style capitals, no accents: "CH NARBONNE - HOTEL DIEU"
            name = f"{kind} {fold(place).upper()}" + (f" - {fold(saint).upper()}" if style < 0.7 else "")
        elif style < 0.45:
            name = f"{kind} {saint} de {place}"
        elif style < 0.75:
            name = f"{kind} {saint} - {rng.choice(_PLACES)}"
        else:
            name = f"{kind} de {place}" if style < 0.9 else f"{kind} {place} {rng.choice(_SAINTS)}"
        postal = (dep if len(dep) == 3 else dep.replace("2A", "20").replace("2B", "20")).ljust(5, "0")
        address = f"{rng.randint(1, 250)} {rng.choice(_STREETS)} {postal} {fold(place).upper()}"
        recipient = (
            f"finess.{i}@{fold(place).replace(' ', '-').replace(chr(39), '')}.sante.fr"
            if rng.random() < 0.7
            else None
        )
        data = {
            "Adresse établissement": address,
            "Contact établissement": f"0{rng.randint(1, 5)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
            "Catégorie établissement": rng.choice(_CATEGORIES),
            "Nom de la structure": name,
        }
        folded = fold(name)
        name_id = name_ids.setdefault(folded, len(name_ids) + 1)
        directory.structures.append(
            Structure(
                resource_id, name, folded, name_id, DEPARTEMENT_TO_REGION[dep], dep, recipient, address, data
            )
        )
    numbers: dict[str, int] = {}
    for i in range(scale.offers):
        structure = directory.structures[int(len(directory.structures) * rng.random() ** 1.5)]
        old = rng.choice(_OLD_CODES_OF[structure.region])
        numbers[old] = numbers.get(old, 10_000) + 1
        name = rng.choice(_OFFER_NAMES)
        recipient = f"porteur.{i}@offres.sante.fr" if rng.random() < 0.75 else structure.recipient
        data = {
            "Horaires": rng.choice(("Lundi–vendredi 8h30–18h", "24h/24, 7j/7", "Du lundi au samedi, 9h–12h")),
            "Contact offre": f"0{rng.randint(1, 5)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
            "Adresse établissement": structure.address,
        }
        directory.offers.append(Offer(f"{old}/{numbers[old]}", name, structure, recipient, data))
    return directory


def name_rows(directory: Directory) -> Iterator[tuple[int, str]]:
    """anomaly_names: the dictionary of distinct folded structure names."""
    seen: set[int] = set()
    for s in directory.structures:
        if s.name_id not in seen:
            seen.add(s.name_id)
            yield s.name_id, s.folded


def resource_rows(directory: Directory, rng: random.Random) -> Iterator[tuple[Any, ...]]:
    """directory_resources rows: kind, resource_id, name, structure_id, structure_name, offer_name, region,
    departement, address, recipient, data, updated_at."""
    for s in directory.structures:
        updated = DATASET_END - timedelta(seconds=rng.randrange(int(DATASET_SPAN.total_seconds())))
        yield (
            "Structure",
            s.resource_id,
            s.name,
            None,
            s.name,
            None,
            s.region,
            s.departement,
            s.address,
            s.recipient,
            json.dumps(s.data, ensure_ascii=False),
            updated,
        )
    for o in directory.offers:
        s = o.structure
        updated = DATASET_END - timedelta(seconds=rng.randrange(int(DATASET_SPAN.total_seconds())))
        yield (
            "Offre",
            o.resource_id,
            o.name,
            s.resource_id,
            s.name,
            o.name,
            s.region,
            s.departement,
            s.address,
            o.recipient,
            json.dumps(o.data, ensure_ascii=False),
            updated,
        )


RESOURCE_COLUMNS = (
    "kind",
    "resource_id",
    "name",
    "structure_id",
    "structure_name",
    "offer_name",
    "region",
    "departement",
    "address",
    "recipient",
    "data",
    "updated_at",
)
NAME_COLUMNS = ("id", "folded")
ANOMALY_COLUMNS = (
    "number",
    "status",
    "kind",
    "resource_id",
    "structure_id",
    "structure_name",
    "structure_name_folded",
    "name_id",
    "offer_name",
    "region",
    "departement",
    "data_item",
    "present_value",
    "description",
    "thematique",
    "action",
    "fhir_path",
    "rule",
    "proposed_value",
    "declaring_system",
    "declarant_id",
    "declarant_email",
    "group_name",
    "recipient",
    "created_at",
    "updated_at",
)
HISTORY_COLUMNS = ("anomaly_number", "at", "previous", "status", "actor", "role", "system", "comment")


# --- the anomalies --------------------------------------------------------------------------------------


def anomaly_rows(
    directory: Directory, scale: Scale, rng: random.Random
) -> Iterator[tuple[tuple[Any, ...], list[tuple[Any, ...]]]]:
    """(anomaly row, its history rows), references in creation order."""
    span = int(DATASET_SPAN.total_seconds() * 1_000_000)
    start = DATASET_END - DATASET_SPAN
    created_offsets = sorted(rng.randrange(span) for _ in range(scale.anomalies))
    pick_status = _weighted(rng, [((code, paths), weight) for code, weight, paths in _STATUS_PATHS])
    pick_system = _weighted(rng, _SYSTEMS)
    declarants = [f"declarant{i}@editeur{i % 40}.fr" for i in range(400)]
    declarant_ids = [str(uuid.uuid5(uuid.NAMESPACE_DNS, e)) for e in declarants]
    items = {kind: CATALOGUE[kind] for kind in ResourceKind}
    n_structures, n_offers = len(directory.structures), len(directory.offers)
    for index, offset in enumerate(created_offsets):
        number = FIRST_REFERENCE_NUMBER + index
        r = rng.random()
        # A few structures and offers gather many anomalies (quality rules), most have a handful.
        if r < 0.30:
            kind = ResourceKind.STRUCTURE
            structure = directory.structures[int(n_structures * rng.random() ** 2)]
            resource_id, offer_name, recipient, data = (
                structure.resource_id,
                None,
                structure.recipient,
                structure.data,
            )
        elif r < 0.95:
            kind = ResourceKind.OFFRE
            offer = directory.offers[int(n_offers * rng.random() ** 2)]
            structure = offer.structure
            resource_id, offer_name, recipient, data = (
                offer.resource_id,
                offer.name,
                offer.recipient,
                offer.data,
            )
        else:
            kind = ResourceKind.PROFESSIONNEL
            structure = directory.structures[rng.randrange(n_structures)]
            resource_id, offer_name, recipient, data = f"8{rng.randrange(10**9, 10**10)}", None, None, {}
        item = rng.choice(items[kind])
        code, paths = pick_status()
        path = rng.choice(paths)
        if recipient is None and "05" in path:
            recipient = f"destinataire.{structure.departement}@ars.sante.fr"
        created = start + timedelta(microseconds=offset)
        remaining = max(1, int((DATASET_END - created).total_seconds() * 1_000_000))
        # Later steps happen within days to months of the creation, never after the dataset's end.
        times = [created]
        for _ in path[1:]:
            step = min(remaining - 1, int(rng.expovariate(1 / (20 * 86_400e6))))
            times.append(times[-1] + timedelta(microseconds=max(1, step // len(path))))
        updated = times[-1]
        system = pick_system()
        who = rng.randrange(len(declarants))
        rule = f"RG_QUAL_{rng.randint(1, 120):03d}" if system == "API FHIR" and rng.random() < 0.7 else None
        description = rng.choice(_DESCRIPTIONS).format(
            n=rng.randint(1, 99),
            m=rng.randint(1, 999),
            offer=rng.choice(_OFFER_NAMES),
            year=rng.randint(2015, 2025),
        )
        present = data.get(item.label, "").strip() or "Non renseigné"
        row = (
            number,
            code,
            kind.value,
            resource_id,
            structure.resource_id,
            structure.name,
            structure.folded,
            structure.name_id,
            offer_name,
            structure.region,
            structure.departement,
            item.label,
            present,
            description,
            item.thematique.value,
            item.action.value,
            item.fhir_path,
            rule,
            None if rng.random() < 0.8 else "Valeur corrigée proposée",
            system,
            declarant_ids[who],
            declarants[who],
            f"Éditeur {who % 40}",
            recipient,
            created,
            updated,
        )
        history: list[tuple[Any, ...]] = []
        previous = None
        for status, at in zip(path, times, strict=True):
            role = _ROLE_OF_TARGET.get(status, "R")
            actor = {"D": declarants[who], "S": "Routage automatique", "R": recipient or "Opérateur ROR"}[
                role
            ]
            if status == "03":
                role, actor = "D", declarants[who]
            comment = (
                f"Envoyée à {recipient}"
                if status == "05"
                else "Aucun destinataire connu pour cette ressource"
                if status == "04"
                else ""
            )
            history.append((number, at, previous, status, actor, role, system, comment))
            previous = status
        yield row, history


# --- loading ---------------------------------------------------------------------------------------------


def _secondary_indexes(dialect: str, tables: Sequence[Table]) -> list[Index]:
    """The tables' indexes as storage.models declares them, for this dialect."""
    found = []
    for table in tables:
        for index in sorted(table.indexes, key=lambda i: str(i.name)):
            only = getattr(index, "_ddl_if", None)
            if only is not None and only.dialect is not None and only.dialect != dialect:
                continue
            found.append(index)
    return found


LOADED_TABLES = (ResourceRow.__table__, AnomalyRow.__table__, HistoryRow.__table__, AnomalyNameRow.__table__)


@dataclass
class Timings:
    steps: list[tuple[str, float]] = field(default_factory=list)

    def step(self, label: str, started: float, say: Callable[[str], None]) -> float:
        now = time.perf_counter()
        self.steps.append((label, now - started))
        say(f"  {label}: {now - started:.1f} s")
        return now


class _Loader:
    dialect: Any

    def drop_indexes(self) -> None: ...

    def copy(self, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> int: ...

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None: ...

    def finish(self) -> None: ...

    def create_indexes(self) -> None:
        for index in _secondary_indexes(self.dialect.name, LOADED_TABLES):  # type: ignore[arg-type]
            self.execute(str(CreateIndex(index).compile(dialect=self.dialect)))


class _PostgresLoader(_Loader):
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]

    def __init__(self, url: str) -> None:
        parsed = make_url(url).set(drivername="postgresql")
        self.conn = psycopg.connect(parsed.render_as_string(hide_password=False), autocommit=False)
        try:  # skip the foreign-key triggers while loading (needs a superuser; checked rows are consistent)
            self.conn.execute("SET session_replication_role = replica")
        except psycopg.Error:
            self.conn.rollback()
        self.conn.execute("SET maintenance_work_mem = '512MB'")
        self.conn.execute("SET synchronous_commit = off")

    def drop_indexes(self) -> None:
        for index in _secondary_indexes(self.dialect.name, LOADED_TABLES):  # type: ignore[arg-type]
            self.conn.execute(f'DROP INDEX IF EXISTS "{index.name}"')
        self.conn.commit()

    def copy(self, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> int:
        count = 0
        with (
            self.conn.cursor() as cursor,
            cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
                count += 1
        self.conn.commit()
        return count

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.conn.execute(sql, params)  # type: ignore[arg-type]
        self.conn.commit()

    def finish(self) -> None:
        self.conn.autocommit = True
        # VACUUM also sets the visibility map, which index-only scans (counts) rely on.
        self.conn.execute("VACUUM (ANALYZE)")
        self.conn.close()


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    return value


class _SqliteLoader(_Loader):
    dialect = sqlite.dialect()  # type: ignore[no-untyped-call]

    def __init__(self, url: str) -> None:
        self.conn = sqlite3.connect(make_url(url).database or "", isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=OFF")
        self.conn.execute("PRAGMA synchronous=OFF")
        self.conn.execute("PRAGMA foreign_keys=OFF")
        self.conn.execute("PRAGMA cache_size=-1000000")
        self.conn.execute("PRAGMA temp_store=MEMORY")

    def drop_indexes(self) -> None:
        for index in _secondary_indexes(self.dialect.name, LOADED_TABLES):  # type: ignore[arg-type]
            self.conn.execute(f'DROP INDEX IF EXISTS "{index.name}"')

    def copy(self, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> int:
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        count = 0
        batch: list[tuple[Any, ...]] = []
        self.conn.execute("BEGIN")
        for row in rows:
            batch.append(tuple(_sqlite_value(v) for v in row))
            if len(batch) >= 50_000:
                self.conn.executemany(sql, batch)
                count += len(batch)
                batch.clear()
        self.conn.executemany(sql, batch)
        self.conn.execute("COMMIT")
        return count + len(batch)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.conn.execute(sql, tuple(params))

    def finish(self) -> None:
        self.conn.execute("ANALYZE")
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.close()


def _loader(url: str) -> _Loader:
    if make_url(url).get_backend_name() == "sqlite":
        return _SqliteLoader(url)
    return _PostgresLoader(url)


def reset_database(url: str) -> None:
    """Start from an empty database: the SQLite file is removed, PostgreSQL's public schema recreated."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return
    with psycopg.connect(
        parsed.set(drivername="postgresql").render_as_string(hide_password=False), autocommit=True
    ) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


def generate(
    url: str,
    *,
    scale: float = 1.0,
    seed: int = DEFAULT_SEED,
    reset: bool = True,
    say: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Load the dataset into `url` and return what was loaded and how long each step took."""
    sizes = Scale.of(scale)
    timings = Timings()
    began = t = time.perf_counter()
    if reset:
        reset_database(url)
    store = open_store(url)
    with store.uow() as uow:
        if uow.anomalies.session.execute(AnomalyRow.__table__.select().limit(1)).first() is not None:
            raise SystemExit(f"{url} already holds anomalies: generate into an empty database (or reset).")
    store.dispose()
    say(
        f"Generating {sizes.structures:,} structures, {sizes.offers:,} offers, {sizes.anomalies:,} anomalies "
        f"(seed {seed}) into {make_url(url).render_as_string(hide_password=True)}"
    )
    t = timings.step("schema", t, say)
    rng = random.Random(seed)
    directory = build_directory(sizes, rng)
    loader = _loader(url)
    loader.drop_indexes()
    t = timings.step("directory in memory", t, say)
    resources = loader.copy("directory_resources", RESOURCE_COLUMNS, resource_rows(directory, rng))
    t = timings.step(f"directory_resources ({resources:,} rows)", t, say)
    names = loader.copy("anomaly_names", NAME_COLUMNS, name_rows(directory))
    t = timings.step(f"anomaly_names ({names:,} rows)", t, say)
    histories: list[tuple[Any, ...]] = []

    def anomalies_keeping_history() -> Iterator[tuple[Any, ...]]:
        for row, history in anomaly_rows(directory, sizes, rng):
            histories.extend(history)
            yield row

    anomalies = loader.copy("anomalies", ANOMALY_COLUMNS, anomalies_keeping_history())
    t = timings.step(f"anomalies ({anomalies:,} rows)", t, say)
    history_count = loader.copy("anomaly_history", HISTORY_COLUMNS, histories)
    histories.clear()
    t = timings.step(f"anomaly_history ({history_count:,} rows)", t, say)
    loader.create_indexes()
    t = timings.step("indexes", t, say)
    next_number = FIRST_REFERENCE_NUMBER + anomalies
    loader.execute(
        "UPDATE reference_counter SET next_value = ? WHERE id = 1".replace(
            "?", "%s" if isinstance(loader, _PostgresLoader) else "?"
        ),
        (next_number,),
    )
    if isinstance(loader, _PostgresLoader):
        loader.execute(f"SELECT setval('{REFERENCE_SEQUENCE}', %s, false)", (next_number,))
        loader.execute("SELECT setval(pg_get_serial_sequence('anomaly_names', 'id'), %s)", (names + 1,))
    # anomaly_names and name_id were written with the rows; the counters are computed from them.
    for statement in rebuild_counts_sql():
        loader.execute(statement)
    t = timings.step("references and derived tables", t, say)
    loader.finish()
    t = timings.step("vacuum / analyze", t, say)
    _ensure_bench_member(url)
    total = time.perf_counter() - began
    say(f"  total: {total:.1f} s")
    return {
        "seed": seed,
        "scale": scale,
        "structures": sizes.structures,
        "offers": sizes.offers,
        "resources": resources,
        "anomalies": anomalies,
        "history": history_count,
        "seconds": round(total, 1),
        "steps": {label: round(s, 2) for label, s in timings.steps},
    }


def _ensure_bench_member(url: str) -> None:
    from domain.services import add_member, create_group

    store = open_store(url)
    try:
        create_group(name=BENCH_GROUP, perimeter=Perimeter.everywhere(), uow=store.uow())
        add_member(group_name=BENCH_GROUP, email=BENCH_EMAIL, uow=store.uow())
    finally:
        store.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.generate", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--database-url", required=True, help="SQLAlchemy URL (sqlite:///… or postgresql+psycopg://…)"
    )
    parser.add_argument(
        "--scale", type=float, default=1.0, help="1 = 1,000,000 anomalies; 0.001 for a smoke run"
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--json", type=Path, help="also write what was loaded, with timings, to this file")
    args = parser.parse_args(argv)
    report = generate(args.database_url, scale=args.scale, seed=args.seed)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
