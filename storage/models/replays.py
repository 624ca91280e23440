"""Requests already acted on (domain.services.replays), kept while a replay of them could be accepted."""

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UtcDateTime


class ReplayKeyRow(Base):
    __tablename__ = "replay_keys"
    __table_args__ = (Index("ix_replay_keys_expires", "expires_at"),)

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
