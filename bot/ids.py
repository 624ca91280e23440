"""Every callback_id, block_id and action_id of the Slack app, one StrEnum per surface."""

from enum import StrEnum


class CommandIds(StrEnum):
    COMMAND = "/ror"


class SearchIds(StrEnum):
    DECLARE = "search-declare"
    LIST = "search-list"


class DeclareIds(StrEnum):
    LOOKUP_MODAL = "declare-lookup-modal"
    FORM_MODAL = "declare-form-modal"
    DONE_MODAL = "declare-done-modal"
    STRUCTURE_BLOCK = "declare-structure"
    STRUCTURE_INPUT = "declare-structure-input"
    OFFER_BLOCK = "declare-offer"
    OFFER_INPUT = "declare-offer-input"
    ITEMS_BLOCK = "declare-items"
    ITEMS_SELECT = "declare-items-select"
    DESCRIPTION_BLOCK = "declare-description-"  # + index of the item in the catalogue
    DESCRIPTION_INPUT = "declare-description-input"
    PROPOSED_BLOCK = "declare-proposed-"  # + index of the item in the catalogue
    PROPOSED_INPUT = "declare-proposed-input"
    OPEN_MODAL = "declare-open"  # button (App Home, help) opening the modal
    MESSAGE_SHORTCUT = "declare-from-message"  # message shortcut: the message pre-fills the descriptions


class ListIds(StrEnum):
    FILTER = "list-filter"
    RESET = "list-reset"
    ALL = "list-all"
    EXPORT = "list-export"
    PREVIOUS = "list-previous"
    NEXT = "list-next"
    SHOW = "list-show"
    SELECTION_BLOCK = "list-selection"
    SELECT = "list-select"
    CANCEL_SELECTION = "list-cancel-selection"
    OPEN = "list-open"  # button (App Home) posting a list
    FILTER_MODAL = "list-filter-modal"
    F_REGION = "filter-region"
    F_DEP = "filter-dep"
    F_REF = "filter-ref"
    F_STATUS = "filter-status"
    F_KIND = "filter-kind"
    F_NAME = "filter-name"
    F_ID = "filter-id"
    F_ITEM = "filter-item"
    F_FROM = "filter-from"
    F_TO = "filter-to"
    F_INPUT = "filter-input"


class DetailIds(StrEnum):
    MODAL = "detail-modal"
    CANCEL = "detail-cancel"
    CONFIRM_CANCEL = "detail-confirm-cancel"
    KEEP = "detail-keep"


class HomeIds(StrEnum):
    DECLARE = "home-declare"
    LIST_ALL = "home-list-all"
    LIST_BLOCKED = "home-list-blocked"


class DigestIds(StrEnum):
    OPEN_LIST = "digest-open-list"  # « … et N autres » → the filtered list
    UNSUBSCRIBE = "digest-unsubscribe"  # *Se désabonner* under `/ror abonnements`


class RecipientIds(StrEnum):
    OUTCOME = "recipient-outcome-"  # + status code: one button per outcome the recipient may record
    OUTCOMES_BLOCK = "recipient-outcomes"  # the buttons under the anomaly
    OUTCOME_MODAL = "recipient-outcome-modal"
    COMMENT_BLOCK = "recipient-comment"
    COMMENT_INPUT = "recipient-comment-input"
