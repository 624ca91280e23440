"""One function per user intent; the same functions serve Slack, the CLI, the scheduler and notebooks."""

from domain.services.declaration import (
    DeclarationRequest,
    DeclaredItem,
    clean_description,
    confirmation_text,
    declare_anomalies,
    description_key,
    proposed_value_key,
)
from domain.services.directory import (
    ResourceCard,
    find_practitioner,
    find_resource,
    locate_resource,
    set_recipient,
)
from domain.services.habilitation import add_member, create_group, list_groups, remove_member, resolve_member
from domain.services.lifecycle import (
    cancel_anomaly,
    count_by_status,
    export_anomalies,
    list_anomalies,
    may_cancel,
    recipient_outcomes,
    record_outcome,
    show_anomaly,
    transition_anomaly,
)

__all__ = [
    "DeclarationRequest",
    "DeclaredItem",
    "ResourceCard",
    "add_member",
    "cancel_anomaly",
    "clean_description",
    "confirmation_text",
    "count_by_status",
    "create_group",
    "declare_anomalies",
    "description_key",
    "export_anomalies",
    "find_practitioner",
    "find_resource",
    "list_anomalies",
    "list_groups",
    "locate_resource",
    "may_cancel",
    "proposed_value_key",
    "recipient_outcomes",
    "record_outcome",
    "remove_member",
    "resolve_member",
    "set_recipient",
    "show_anomaly",
    "transition_anomaly",
]
