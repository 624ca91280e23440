"""The directory: structures, offers and health professionals, with the recipient of each; and where the
sync from the ROR national's directory has got to."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UtcDateTime


class ResourceRow(Base):
    __tablename__ = "directory_resources"
    __table_args__ = (UniqueConstraint("kind", "resource_id", name="uq_resource_kind_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    resource_id: Mapped[str] = mapped_column(String(40), index=True)
    name: Mapped[str] = mapped_column(String(500))
    structure_id: Mapped[str | None] = mapped_column(String(40), index=True)
    structure_name: Mapped[str] = mapped_column(String(500))
    offer_name: Mapped[str | None] = mapped_column(String(500))
    region: Mapped[str | None] = mapped_column(String(2))
    departement: Mapped[str | None] = mapped_column(String(3))
    address: Mapped[str] = mapped_column(Text, default="")
    recipient: Mapped[str | None] = mapped_column(String(320))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The system of the identifier naming the resource in the ROR national (a Task's focus.identifier.system).
    identifier_system: Mapped[str | None] = mapped_column(String(200))


class DirectorySyncRow(Base):
    """Per directory base (ROR_FHIR_URL): the watermark of the last complete pull, as the server wrote it."""

    __tablename__ = "directory_sync"

    origin: Mapped[str] = mapped_column(String(500), primary_key=True)
    watermark: Mapped[str] = mapped_column(String(64))
    synced_at: Mapped[datetime] = mapped_column(UtcDateTime)
