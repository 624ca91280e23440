"""SQLAlchemy storage of ROR Anomalies: SQLite embedded by default, PostgreSQL to scale out."""

from storage.database import Store, make_engine, open_store, upgrade
from storage.uow import SqlUnitOfWork

__all__ = ["SqlUnitOfWork", "Store", "make_engine", "open_store", "upgrade"]
