from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from domain.catalogue import ResourceKind
from domain.directory import Resource
from domain.rornational import Watermark
from storage.models import DirectorySyncRow, ResourceRow

_TABLE = cast(Table, ResourceRow.__table__)
# Built once (declaring is hot): two IN lists, not a row-value IN, as SQLite scans the whole table for
# `(kind, id) IN (VALUES …)` but searches its (kind, resource_id) index for these.
_PAIRS = select(_TABLE).where(
    _TABLE.c.kind.in_(bindparam("kinds", expanding=True)),
    _TABLE.c.resource_id.in_(bindparam("ids", expanding=True)),
)


def _to_entity(row: Any) -> Resource:
    """From a ResourceRow or a Core row of its table."""
    return Resource(
        kind=ResourceKind(row.kind),
        resource_id=row.resource_id,
        name=row.name,
        structure_id=row.structure_id,
        structure_name=row.structure_name,
        region=row.region,
        departement=row.departement,
        offer_name=row.offer_name,
        address=row.address,
        recipient=row.recipient,
        data=dict(row.data or {}),
        updated_at=row.updated_at,
        identifier_system=row.identifier_system,
    )


class SqlDirectory:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _row(self, kind: ResourceKind, resource_id: str) -> ResourceRow | None:
        return self.session.scalars(
            select(ResourceRow).where(ResourceRow.kind == kind.value, ResourceRow.resource_id == resource_id)
        ).one_or_none()

    def get(self, kind: ResourceKind, resource_id: str) -> Resource | None:
        # A Core row (same attribute names): looked up on every search and declaration.
        table = cast(Table, ResourceRow.__table__)
        row = (
            self.session.connection()
            .execute(select(table).where(table.c.kind == kind.value, table.c.resource_id == resource_id))
            .one_or_none()
        )
        return _to_entity(row) if row else None

    def get_pairs(self, keys: Sequence[tuple[ResourceKind, str]]) -> dict[tuple[ResourceKind, str], Resource]:
        if not keys:
            return {}
        # The pairs not asked for are dropped.
        rows = (
            self.session.connection()
            .execute(
                _PAIRS, {"kinds": sorted({k.value for k, _ in keys}), "ids": sorted({i for _, i in keys})}
            )
            .all()
        )
        wanted = set(keys)
        found = {(ResourceKind(row.kind), row.resource_id): _to_entity(row) for row in rows}
        return {key: resource for key, resource in found.items() if key in wanted}

    def get_many(self, kind: ResourceKind, resource_ids: Sequence[str]) -> dict[str, Resource]:
        if not resource_ids:
            return {}
        table = cast(Table, ResourceRow.__table__)
        rows = self.session.connection().execute(
            select(table).where(
                table.c.kind == kind.value, table.c.resource_id.in_(sorted(set(resource_ids)))
            )
        )
        return {row.resource_id: _to_entity(row) for row in rows}

    def upsert(self, resource: Resource) -> bool:
        row = self._row(resource.kind, resource.resource_id)
        is_new = row is None
        if row is None:
            row = ResourceRow(kind=resource.kind.value, resource_id=resource.resource_id)
            self.session.add(row)
        row.name = resource.name
        row.structure_id = resource.structure_id
        row.structure_name = resource.structure_name
        row.offer_name = resource.offer_name
        row.region = resource.region
        row.departement = resource.departement
        row.address = resource.address
        row.recipient = resource.recipient
        row.data = dict(resource.data)
        row.updated_at = resource.updated_at
        row.identifier_system = resource.identifier_system
        self.session.flush()
        return is_new

    def count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(ResourceRow)) or 0

    def is_empty(self) -> bool:
        return self.session.scalar(select(ResourceRow.id).limit(1)) is None

    def watermark(self, origin: str) -> Watermark | None:
        text = self.session.scalar(
            select(DirectorySyncRow.watermark).where(DirectorySyncRow.origin == origin)
        )
        return Watermark(text) if text else None

    def move_watermark(self, origin: str, mark: Watermark, *, at: datetime) -> None:
        # An upsert: two syncs of the same base at once must not fail on the first row's insert.
        dialect = postgresql if self.session.get_bind().dialect.name == "postgresql" else sqlite
        values = {"origin": origin, "watermark": mark.text, "synced_at": at}
        statement = dialect.insert(DirectorySyncRow).values(**values)
        self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[DirectorySyncRow.origin],
                set_={"watermark": statement.excluded.watermark, "synced_at": statement.excluded.synced_at},
            )
        )
