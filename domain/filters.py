"""The listing filter (SPEC §4) and its `key=value` words (SPEC §5), shared by Slack, the CLI,
digests and notebooks."""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from domain.catalogue import ResourceKind, canonical_data_item_label
from domain.directory import MAX_NAME
from domain.errors import InvalidFilter, InvalidReference, RorError
from domain.geography import check_departement, check_region
from domain.identifiers import normalise_reference_prefix
from domain.statuses import Status, parse_status
from domain.text import check_text, fold

if TYPE_CHECKING:
    from domain.anomaly import Anomaly
    from domain.habilitation import Perimeter

# Looked up folded (case and accents ignored, spaces as `_`): `Région=`, `DÉPARTEMENT=` work too.
_KEYS: dict[str, str] = {
    "region": "region",
    "reg": "region",
    "regions": "region",
    "dep": "dep",
    "departement": "dep",
    "dept": "dep",
    "ref": "ref",
    "reference": "ref",
    "statut": "statut",
    "status": "statut",
    "statuts": "statut",
    "ressource": "ressource",
    "resource": "ressource",
    "type": "ressource",
    "nom": "nom",
    "name": "nom",
    "etablissement": "nom",
    "id": "id",
    "id_ressource": "id",
    "donnee": "donnee",
    "item": "donnee",
    "donnees": "donnee",
    "du": "du",
    "from": "du",
    "depuis": "du",
    "au": "au",
    "to": "au",
    "jusqu_au": "au",
    "jusqu'au": "au",
}
KNOWN_KEYS = "region, dep, ref, statut, ressource, nom, id, donnee, du, au"
# Resource ids are at most as long as the stored column (40): an ID Offre, a structure's, an RPPS.
MAX_RESOURCE_ID = 40
_QUOTES = {'"': '"', "«": "»", "“": "”", "'": "'", "‘": "’"}


@dataclass(frozen=True, slots=True)
class AnomalyFilter:
    regions: frozenset[str] = frozenset()
    departements: frozenset[str] = frozenset()
    reference_prefix: str | None = None
    statuses: frozenset[Status] = frozenset()
    kinds: frozenset[ResourceKind] = frozenset()
    name_contains: str | None = None
    resource_ids: frozenset[str] = frozenset()
    data_items: frozenset[str] = frozenset()
    modified_from: date | None = None
    modified_to: date | None = None

    @property
    def is_empty(self) -> bool:
        return self == AnomalyFilter()

    def with_statuses(self, statuses: Iterable[Status]) -> "AnomalyFilter":
        return replace(self, statuses=frozenset(statuses))

    def modified_bounds(self, tz: ZoneInfo) -> tuple[datetime | None, datetime | None]:
        """UTC bounds [start, end) of the *Dernière modification* days, read in `tz`."""
        start = end = None
        if self.modified_from is not None:
            start = datetime.combine(self.modified_from, time.min, tz).astimezone(ZoneInfo("UTC"))
        if self.modified_to is not None:
            next_day = self.modified_to + timedelta(days=1)
            end = datetime.combine(next_day, time.min, tz).astimezone(ZoneInfo("UTC"))
        return start, end

    def to_words(self) -> list[str]:
        """Canonical `key=value` words; `parse_filter_words(f.to_words()) == f`."""
        words: list[str] = []
        if self.regions:
            words.append("region=" + ",".join(sorted(self.regions)))
        if self.departements:
            words.append("dep=" + ",".join(sorted(self.departements)))
        if self.reference_prefix:
            words.append("ref=" + self.reference_prefix)
        if self.statuses:
            words.append("statut=" + ",".join(sorted(s.value for s in self.statuses)))
        if self.kinds:
            words.append("ressource=" + ",".join(sorted(k.slug for k in self.kinds)))
        if self.name_contains:
            words.append("nom=" + self.name_contains)
        if self.resource_ids:
            words.append("id=" + ",".join(sorted(self.resource_ids)))
        if self.data_items:
            words.append("donnee=" + ",".join(sorted(self.data_items)))
        if self.modified_from:
            words.append("du=" + self.modified_from.strftime("%d/%m/%Y"))
        if self.modified_to:
            words.append("au=" + self.modified_to.strftime("%d/%m/%Y"))
        return words

    def describe(self) -> str:
        """Short French summary for headers (« Toutes les anomalies » when empty)."""
        if self.is_empty:
            return "Toutes les anomalies"
        parts = []
        if self.regions:
            parts.append("région " + ", ".join(sorted(self.regions)))
        if self.departements:
            parts.append("département " + ", ".join(sorted(self.departements)))
        if self.reference_prefix:
            parts.append(f"référence {self.reference_prefix}…")
        if self.statuses:
            parts.append("statut " + ", ".join(s.label for s in sorted(self.statuses)))
        if self.kinds:
            parts.append("ressource " + ", ".join(k.label for k in sorted(self.kinds)))
        if self.name_contains:
            parts.append(f"nom contient « {self.name_contains} »")
        if self.resource_ids:
            parts.append("ID " + ", ".join(sorted(self.resource_ids)))
        if self.data_items:
            parts.append("donnée " + ", ".join(f"« {d} »" for d in sorted(self.data_items)))
        if self.modified_from:
            parts.append("modifiées depuis le " + self.modified_from.strftime("%d/%m/%Y"))
        if self.modified_to:
            parts.append("jusqu'au " + self.modified_to.strftime("%d/%m/%Y"))
        return " · ".join(parts)


def _split_values(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def parse_date(text: str, *, key: str) -> date:
    value = text.strip()
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise InvalidFilter(f"« {key}={value} » : date impossible, attendu jj/mm/aaaa (par exemple 15/01/2026).")


def _parse_one(key: str, value: str, fields: dict[str, object]) -> None:
    try:
        if key == "region":
            fields["regions"] = frozenset(check_region(v) for v in _split_values(value))
        elif key == "dep":
            fields["departements"] = frozenset(check_departement(v) for v in _split_values(value))
        elif key == "ref":
            fields["reference_prefix"] = normalise_reference_prefix(value)
        elif key == "statut":
            statuses: set[Status] = set()
            for v in _split_values(value):
                statuses |= parse_status(v)
            fields["statuses"] = frozenset(statuses)
        elif key == "ressource":
            fields["kinds"] = frozenset(ResourceKind.parse(v) for v in _split_values(value))
        elif key == "nom":
            name = check_text(value, subject="Le filtre « nom »", max_length=MAX_NAME)
            fields["name_contains"] = " ".join(name.split())
        elif key == "id":
            fields["resource_ids"] = frozenset(
                "".join(check_text(v, subject="Le filtre « id »", max_length=MAX_RESOURCE_ID).split()).upper()
                for v in _split_values(value)
            )
        elif key == "donnee":
            fields["data_items"] = frozenset(canonical_data_item_label(v) for v in _split_values(value))
        elif key == "du":
            fields["modified_from"] = parse_date(value, key="du")
        elif key == "au":
            fields["modified_to"] = parse_date(value, key="au")
    except InvalidReference as error:
        raise InvalidFilter(
            f"« ref={value} » : préfixe de référence invalide, par exemple ref=ANO_1000."
        ) from error
    except InvalidFilter:
        raise
    except RorError as error:
        raise InvalidFilter(error.message) from error


def parse_filter_words(words: Sequence[str]) -> AnomalyFilter:
    """Parse `key=value` words (one value may hold commas, and spaces when quoted upstream)."""
    fields: dict[str, object] = {}
    for word in words:
        if not word.strip():
            continue
        if "=" not in word:
            raise InvalidFilter(
                f"« {word} » n'est pas un filtre : écrivez clé=valeur, avec les clés {KNOWN_KEYS}."
            )
        raw_key, value = word.split("=", 1)
        key = _KEYS.get(fold(raw_key).replace(" ", "_"))
        if key is None:
            raise InvalidFilter(f"Filtre inconnu « {raw_key.strip()} » : clés possibles {KNOWN_KEYS}.")
        value = _unquote(value.strip())
        if not value:
            raise InvalidFilter(f"Le filtre « {raw_key.strip()} » n'a pas de valeur.")
        parsed: dict[str, object] = {}
        _parse_one(key, value, parsed)
        for name, new in parsed.items():
            old = fields.get(name)
            if isinstance(old, frozenset) and isinstance(new, frozenset):
                fields[name] = old | new  # `statut=04 statut=05` means both, like `statut=04,05`
            elif old is not None and old != new:
                raise InvalidFilter(
                    f"Le filtre « {key} » est donné deux fois avec des valeurs différentes : gardez-en une."
                )
            else:
                fields[name] = new
    flt = AnomalyFilter(**fields)  # type: ignore[arg-type]
    if flt.modified_from and flt.modified_to and flt.modified_from > flt.modified_to:
        raise InvalidFilter(
            f"La date « du » ({flt.modified_from:%d/%m/%Y}) est après la date « au » ({flt.modified_to:%d/%m/%Y})."
        )
    return flt


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] in _QUOTES and value[-1] == _QUOTES[value[0]]:
        return value[1:-1].strip()
    return value


_TOKEN = re.compile(r'\S*?=(?:"[^"]*"|«[^»]*»|“[^”]*”|‘[^’]*’|\'[^\']*\')|\S+')


def split_words(text: str) -> list[str]:
    """Split Slack command text into words, keeping quoted values whole: `nom="hotel dieu"`,
    `nom=« hôtel dieu »` or `"nom=hotel dieu"`."""
    words: list[str] = []
    rest = text.strip()
    while rest:
        if rest[0] in _QUOTES:
            closing = _QUOTES[rest[0]]
            end = rest.find(closing, 1)
            if end == -1:
                raise InvalidFilter(f"Guillemet non fermé dans « {rest} ».")
            words.append(rest[1:end].strip())
            rest = rest[end + 1 :].lstrip()
            continue
        match = _TOKEN.match(rest)
        if match is None:  # pragma: no cover - \S+ always matches non-empty text
            break
        token = match.group(0)
        if "=" in token:
            key, value = token.split("=", 1)
            token = key + "=" + _unquote(value)
        if token.count('"') % 2 or token.count("«") != token.count("»"):
            raise InvalidFilter(f"Guillemet non fermé dans « {token} ».")
        words.append(token)
        rest = rest[match.end() :].lstrip()
    return words


def parse_filter_text(text: str) -> AnomalyFilter:
    return parse_filter_words(split_words(text))


def matches(flt: AnomalyFilter, anomaly: "Anomaly", *, perimeter: "Perimeter", tz: ZoneInfo) -> bool:
    """Reference semantics of a filter, in Python: the SQL of the store must agree with it."""
    if not perimeter.contains(anomaly.region):
        return False
    if flt.regions and anomaly.region not in flt.regions:
        return False
    if flt.departements and anomaly.departement not in flt.departements:
        return False
    if flt.reference_prefix and not anomaly.reference.startswith(flt.reference_prefix):
        return False
    if flt.statuses and anomaly.status not in flt.statuses:
        return False
    if flt.kinds and anomaly.kind not in flt.kinds:
        return False
    if flt.name_contains and fold(flt.name_contains) not in fold(anomaly.structure_name):
        return False
    if flt.resource_ids and anomaly.resource_id.upper() not in flt.resource_ids:
        return False
    if flt.data_items and anomaly.data_item not in flt.data_items:
        return False
    start, end = flt.modified_bounds(tz)
    if start is not None and anomaly.updated_at < start:
        return False
    return not (end is not None and anomaly.updated_at >= end)
