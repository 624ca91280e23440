"""What bulk imports of anomalies remember: one key per imported line, so the same file imported twice
creates nothing new (domain.services.bulk_import)."""

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UtcDateTime


class ImportKeyRow(Base):
    """The key of an imported line (hash of règle + ressource + donnée + description) and the anomaly it
    created. The primary key is the unique index that makes two importers of the same line agree."""

    __tablename__ = "import_keys"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    anomaly_number: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
