"""The declarative base of every table (one metadata: Alembic compares the migrations with it)."""

from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass
