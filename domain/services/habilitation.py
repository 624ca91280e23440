"""Operators manage groups; everyone else is resolved to a member of one."""

from domain.errors import (
    GroupAlreadyExists,
    InvalidGroupName,
    MemberAlreadyInGroup,
    NotHabilitated,
    UnknownGroup,
)
from domain.habilitation import Group, Member, Perimeter, clean_group_name, normalise_email
from domain.ports import UnitOfWork


def resolve_member(*, email: str | None, uow: UnitOfWork) -> Member:
    """The member acting under this e-mail; NotHabilitated when in no group (checked every time, so
    a removed member loses access at once)."""
    if not email:
        raise NotHabilitated(None)
    address = email.strip().lower()
    with uow:
        group = uow.groups.group_of(address)
    if group is None:
        raise NotHabilitated(address)
    return Member(email=address, group=group.name, perimeter=group.perimeter)


def create_group(*, name: str, perimeter: Perimeter, uow: UnitOfWork) -> Group:
    clean = clean_group_name(name)
    if not clean:
        raise InvalidGroupName()
    with uow:
        if uow.groups.get(clean) is not None:
            raise GroupAlreadyExists(clean)
        group = Group(name=clean, perimeter=perimeter)
        uow.groups.add(group)
        uow.commit()
    return group


def add_member(*, group_name: str, email: str, uow: UnitOfWork) -> Group:
    address = normalise_email(email)
    name = clean_group_name(group_name)
    with uow:
        group = uow.groups.get(name)
        if group is None:
            raise UnknownGroup(name)
        current = uow.groups.group_of(address)
        if current is not None:
            raise MemberAlreadyInGroup(address, current.name)
        group.members.add(address)
        uow.groups.save(group)
        uow.commit()
    return group


def remove_member(*, group_name: str, email: str, uow: UnitOfWork) -> Group:
    address = email.strip().lower()
    name = clean_group_name(group_name)
    with uow:
        group = uow.groups.get(name)
        if group is None:
            raise UnknownGroup(name)
        group.members.discard(address)
        uow.groups.save(group)
        uow.commit()
    return group


def list_groups(*, uow: UnitOfWork) -> list[Group]:
    with uow:
        return uow.groups.list()
