"""The one place where an AnomalyFilter and a perimeter become SQL (listing, export, digests).

`conditions` selects anomaly rows; `count_conditions` selects the rows of anomaly_counts that hold the
same anomalies, when the filter only uses columns of that table (else None: count the anomalies)."""

from collections.abc import Sequence
from dataclasses import fields
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    Select,
    Text,
    and_,
    any_,
    cast,
    column,
    false,
    func,
    literal,
    literal_column,
    select,
    table,
)

from domain.filters import AnomalyFilter
from domain.habilitation import Perimeter
from domain.identifiers import Reference
from domain.statuses import BLOCKED
from domain.text import fold
from storage.models import AnomalyCountRow, AnomalyNameRow, AnomalyRow


def reference_range(prefix: str) -> tuple[int, int]:
    """`ANO_1000` → the numbers whose 12 digits start with 1000, as [low, high)."""
    digits = prefix.removeprefix(Reference.PREFIX)
    scale = 10 ** (Reference.DIGITS - len(digits))
    low = int(digits or "0") * scale
    return low, low + scale


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# SQLite's FTS5 trigram index over anomaly_names (migration 0008). A phrase query of a text of 3 characters
# or more matches the names holding its trigrams in a row: exactly the names containing it (both folded),
# wildcards included as plain characters. MATCH, not LIKE: FTS5's LIKE re-reads every candidate's name
# from anomaly_names, slower than scanning the dictionary for a common word.
NAMES_FTS = table("anomaly_names_fts", column("rowid"), column("anomaly_names_fts"))
TRIGRAM = 3


def names_containing(text: str, *, dialect: str | None) -> Select[Any]:
    """The ids of anomaly_names whose folded name contains `text` (folded here); a caller may resolve them
    once and pass them to several statements (`conditions(..., name_ids=...)`)."""
    text = fold(text)
    if dialect == "sqlite" and len(text) >= TRIGRAM:
        phrase = '"' + text.replace('"', '""') + '"'
        return select(NAMES_FTS.c.rowid).where(NAMES_FTS.c.anomaly_names_fts.op("MATCH")(phrase))
    return select(AnomalyNameRow.id).where(AnomalyNameRow.folded.like(f"%{_escape_like(text)}%", escape="\\"))


class NameIds:
    """The ids of the names a search found, bound as ONE parameter whatever their number (thousands for a
    common word): the text of an array on PostgreSQL, a JSON array read by json_each on SQLite. The
    statements stay cacheable, and the ids become text once however many statements use them (as text:
    psycopg's list adapter costs milliseconds per thousand ids)."""

    def __init__(self, ids: Sequence[int]) -> None:
        self.ids = list(ids)

    @cached_property
    def as_text(self) -> str:
        return ",".join(map(str, self.ids))

    def contain(self, expression: ColumnElement[Any], *, dialect: str | None) -> ColumnElement[bool]:
        if dialect == "postgresql":
            # string_to_array is immutable: the planner folds the ids into a constant array and estimates
            # their number (a cast of the text to integer[] is not folded: blind plans, 100× slower).
            ids = cast(func.string_to_array(literal(self.as_text, Text), ","), ARRAY(Integer))
            return expression == any_(ids)
        values = func.json_each("[" + self.as_text + "]").table_valued("value")
        return expression.in_(select(values.c.value))


def conditions(
    flt: AnomalyFilter,
    *,
    perimeter: Perimeter | None,
    tz: ZoneInfo,
    dialect: str | None = None,
    narrower_than_name: bool = False,
    name_ids: NameIds | None = None,
) -> list[ColumnElement[bool]]:
    """`dialect` "sqlite" lets name searches use SQLite's trigram index; None: portable SQL only.
    `narrower_than_name`: the caller knows a criterion of its own that selects fewer rows than a name
    search (a digest's time window, a section ordered on an index it walks), see below. `name_ids`: the
    names `names_containing` found for the filter's name, when the caller resolved them already."""
    row = AnomalyRow
    where: list[ColumnElement[bool]] = []
    if perimeter is not None and not perimeter.national:
        if not perimeter.regions:
            return [false()]
        where.append(row.region.in_(sorted(perimeter.regions)))
    if flt.regions:
        where.append(row.region.in_(sorted(flt.regions)))
    if flt.departements:
        where.append(row.departement.in_(sorted(flt.departements)))
    if flt.reference_prefix:
        low, high = reference_range(flt.reference_prefix)
        where.append(and_(row.number >= low, row.number < high))
    if flt.statuses:
        where.append(row.status.in_(sorted(s.value for s in flt.statuses)))
    if flt.kinds:
        where.append(row.kind.in_(sorted(k.value for k in flt.kinds)))
    if flt.name_contains and flt.statuses and flt.statuses <= BLOCKED:
        # Redundant, and literal: it lets planners use the partial index of blocked anomalies by name.
        where.append(row.status.in_([literal_column(f"'{s.value}'") for s in sorted(BLOCKED)]))
    if flt.name_contains:
        # Search the dictionary of distinct folded names (trigram-indexed on PostgreSQL), then the
        # anomalies by name key: same result as LIKE on structure_name_folded, without a full scan.
        # With a narrower criterion (département, ID, référence, dates), planners must start from that
        # one: `name_id + 0` keeps them from walking the name index for every matching name (thousands
        # for a common word), which neither SQLite nor PostgreSQL can estimate before running it.
        narrower = narrower_than_name or (
            flt.departements
            or flt.resource_ids
            or flt.reference_prefix
            or flt.modified_from
            or flt.modified_to
        )
        name_id: ColumnElement[int] = row.name_id + 0 if narrower else row.name_id.expression
        if name_ids is None:
            where.append(name_id.in_(names_containing(flt.name_contains, dialect=dialect)))
        else:
            where.append(name_ids.contain(name_id, dialect=dialect))
    if flt.resource_ids:
        where.append(row.resource_id.in_(sorted(flt.resource_ids)))
    if flt.data_items:
        where.append(row.data_item.in_(sorted(flt.data_items)))
    start, end = flt.modified_bounds(tz)
    if start is not None:
        where.append(row.updated_at >= start)
    if end is not None:
        where.append(row.updated_at < end)
    return where


# The filter fields anomaly_counts answers: the columns of its key. Any other field that is set (reference,
# name, resource ID, dates — or a field added to AnomalyFilter later) makes totals count the anomaly rows,
# so a new filter can never be silently ignored in a total.
COUNTABLE_FIELDS = frozenset({"regions", "departements", "statuses", "kinds", "data_items"})


def count_conditions(flt: AnomalyFilter, *, perimeter: Perimeter | None) -> list[ColumnElement[bool]] | None:
    """Conditions on anomaly_counts equivalent to `conditions`, or None when the filter uses a field
    anomaly_counts cannot answer."""
    if any(getattr(flt, field.name) for field in fields(flt) if field.name not in COUNTABLE_FIELDS):
        return None
    counts = AnomalyCountRow
    where: list[ColumnElement[bool]] = []
    if perimeter is not None and not perimeter.national:
        if not perimeter.regions:
            return [false()]
        where.append(counts.region.in_(sorted(perimeter.regions)))
    if flt.regions:
        where.append(counts.region.in_(sorted(flt.regions)))
    if flt.departements:
        where.append(counts.departement.in_(sorted(flt.departements)))
    if flt.statuses:
        where.append(counts.status.in_(sorted(s.value for s in flt.statuses)))
    if flt.kinds:
        where.append(counts.kind.in_(sorted(k.value for k in flt.kinds)))
    if flt.data_items:
        where.append(counts.data_item.in_(sorted(flt.data_items)))
    return where
