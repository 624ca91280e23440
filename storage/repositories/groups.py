from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.habilitation import Group, Perimeter
from storage.models import GroupRow, MemberRow


def _to_entity(row: GroupRow) -> Group:
    perimeter = (
        Perimeter.everywhere()
        if row.national
        else Perimeter(regions=frozenset(r for r in row.regions.split(",") if r))
    )
    return Group(name=row.name, perimeter=perimeter, members={m.email for m in row.members})


class SqlGroups:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _row(self, name: str) -> GroupRow | None:
        return self.session.scalars(select(GroupRow).where(GroupRow.name == name)).one_or_none()

    def get(self, name: str) -> Group | None:
        row = self._row(name)
        return _to_entity(row) if row else None

    def add(self, group: Group) -> None:
        row = GroupRow(name=group.name, national=False, regions="")
        self._copy(group, row)
        self.session.add(row)
        self.session.flush()

    def save(self, group: Group) -> None:
        row = self._row(group.name)
        if row is None:
            self.add(group)
            return
        self._copy(group, row)
        self.session.flush()

    @staticmethod
    def _copy(group: Group, row: GroupRow) -> None:
        row.national = group.perimeter.national
        row.regions = ",".join(sorted(group.perimeter.regions))
        current = {m.email: m for m in row.members}
        for email in set(current) - group.members:
            row.members.remove(current[email])
        for email in sorted(group.members - set(current)):
            row.members.append(MemberRow(email=email))

    def list(self) -> list[Group]:
        return [_to_entity(r) for r in self.session.scalars(select(GroupRow).order_by(GroupRow.name)).all()]

    def group_of(self, email: str) -> Group | None:
        member = self.session.get(MemberRow, email.lower())
        return _to_entity(member.group) if member else None
