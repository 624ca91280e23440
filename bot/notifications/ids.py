"""The action and callback ids of digests, subscriptions and recipient notifications."""

from enum import StrEnum


class DigestIds(StrEnum):
    OPEN_LIST = "digest-open-list"  # « … et N autres » → the filtered list
    UNSUBSCRIBE = "digest-unsubscribe"  # *Se désabonner* under `/ror abonnements`


class RecipientIds(StrEnum):
    OUTCOME = "recipient-outcome-"  # + status code: one button per outcome the recipient may record
    OUTCOME_MODAL = "recipient-outcome-modal"
    COMMENT_BLOCK = "recipient-comment"
    COMMENT_INPUT = "recipient-comment-input"
