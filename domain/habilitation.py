"""Habilitation groups, their perimeter, and the members acting through them (SPEC §2)."""

import re
import uuid
from dataclasses import dataclass, field
from functools import lru_cache

from domain.errors import InvalidEmail, InvalidPerimeter
from domain.geography import REGIONS
from domain.statuses import Role
from domain.text import check_text

MAX_EMAIL = 320
MAX_GROUP_NAME = 200
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
# Declarant ids are stable across restarts and stores: derived from the e-mail, never stored.
_DECLARANT_NAMESPACE = uuid.UUID("6f1c7c52-2f43-4d7e-9a55-0f5d8c1e2a71")


@lru_cache(maxsize=1024)  # read for every anomaly a member creates (a bulk import: a million times)
def _declarant_id(email: str) -> str:
    return str(uuid.uuid5(_DECLARANT_NAMESPACE, email))


def normalise_email(text: str) -> str:
    """The address trimmed and lower-cased; InvalidText when too long for any address (RFC 5321 and
    the stored column: 320) or holding a control character, InvalidEmail when it is no address."""
    typed = check_text(text, subject="L'adresse e-mail", max_length=MAX_EMAIL)
    email = typed.lower()
    if not _EMAIL.match(email):
        raise InvalidEmail(typed)
    return email


def clean_group_name(text: str) -> str:
    """A group name with its spacing normalised, as it is stored and compared; InvalidText when too long
    or holding a control character."""
    return " ".join(check_text(text, subject="Le nom du groupe", max_length=MAX_GROUP_NAME).split())


@dataclass(frozen=True, slots=True)
class Perimeter:
    """The regions whose resources a group sees; `national` sees them all."""

    regions: frozenset[str] = frozenset()
    national: bool = False

    @classmethod
    def everywhere(cls) -> "Perimeter":
        return cls(national=True)

    @classmethod
    def of_regions(cls, codes: "list[str] | set[str] | frozenset[str] | tuple[str, ...]") -> "Perimeter":
        cleaned = set()
        for code in codes:
            value = code.strip()
            if len(value) == 1 and value.isdigit():
                value = "0" + value
            if value not in REGIONS:
                raise InvalidPerimeter(
                    f"« {value} » n'est pas un code de région (codes INSEE 2016, par exemple 76 ou 93)."
                )
            cleaned.add(value)
        if not cleaned:
            raise InvalidPerimeter("Un périmètre compte au moins une région, ou bien « national ».")
        return cls(regions=frozenset(cleaned))

    @classmethod
    def parse(cls, text: str) -> "Perimeter":
        if text.strip().lower() == "national":
            return cls.everywhere()
        return cls.of_regions([part for part in text.split(",") if part.strip()])

    def contains(self, region: str | None) -> bool:
        return self.national or (region is not None and region in self.regions)

    def covers(self, other: "Perimeter") -> bool:
        """Every anomaly `other` sees, this perimeter sees too."""
        return self.national or (not other.national and other.regions <= self.regions)

    def __str__(self) -> str:
        return "national" if self.national else ",".join(sorted(self.regions))

    def describe(self) -> str:
        if self.national:
            return "national"
        return ", ".join(f"{code} {REGIONS[code]}" for code in sorted(self.regions))


@dataclass(slots=True)
class Group:
    name: str
    perimeter: Perimeter
    members: set[str] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class Actor:
    """Whoever moves an anomaly, as written in its history."""

    role: Role
    name: str
    system: str

    @classmethod
    def operator(cls, name: str = "Opérateur ROR", system: str = "ror-bot CLI") -> "Actor":
        return cls(role=Role.OPERATOR, name=name, system=system)

    @classmethod
    def automatic(cls, system: str) -> "Actor":
        return cls(role=Role.SYSTEM, name="Routage automatique", system=system)

    @classmethod
    def ror_national(cls) -> "Actor":
        """The ROR national itself (a status synced from it): histories and DMs read « par le ROR national »."""
        return cls(role=Role.SYSTEM, name="le ROR national", system="ROR national")

    @classmethod
    def recipient(cls, email: str, system: str) -> "Actor":
        return cls(role=Role.RECIPIENT, name=email, system=system)


@dataclass(frozen=True, slots=True)
class Member:
    """A person acting through their habilitation group."""

    email: str
    group: str
    perimeter: Perimeter

    @property
    def declarant_id(self) -> str:
        return _declarant_id(self.email)

    def as_actor(self, system: str) -> Actor:
        return Actor(role=Role.DECLARANT, name=self.email, system=system)
