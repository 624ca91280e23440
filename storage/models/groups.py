"""Habilitation groups and their members."""

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base


class GroupRow(Base):
    __tablename__ = "habilitation_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    national: Mapped[bool]
    regions: Mapped[str] = mapped_column(String(200), default="")
    members: Mapped[list["MemberRow"]] = relationship(
        back_populates="group", cascade="all, delete-orphan", lazy="selectin"
    )


class MemberRow(Base):
    __tablename__ = "habilitation_members"

    # One group per e-mail: a member's view is their group's.
    email: Mapped[str] = mapped_column(String(320), primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("habilitation_groups.id", ondelete="CASCADE"), index=True
    )
    group: Mapped[GroupRow] = relationship(back_populates="members")
