"""One error handler for the whole app: domain errors become their short French message; anything else is
logged with its traceback under a short reference the user reads too, so a report can be matched with the
log. Work that follows a committed change (a confirmation DM, the App Home) goes through `after_commit`:
its failure is logged, never shown as a failure of the change — a retry would do the change twice."""

import json
import logging
import secrets
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import SQLAlchemyError

from bot.reply import tell
from bot.views.declare import message_modal
from domain.errors import DatabaseBusy, RorError

logger = logging.getLogger(__name__)


def correlation_id() -> str:
    """A short reference for one failure, e.g. `E-4F09C2`: the user quotes it, the log holds it."""
    return "E-" + secrets.token_hex(3).upper()


def unexpected(reference: str) -> str:
    return (
        f"Une erreur inattendue est survenue (référence {reference}) : l'action n'a peut-être pas abouti. "
        "Vérifiez-le avant de réessayer ; si le problème persiste, signalez-le à l'équipe ROR en citant "
        "cette référence."
    )


def database_down(reference: str) -> str:
    return (
        "La base de données des anomalies est momentanément indisponible. Réessayez dans un instant "
        f"(référence {reference})."
    )


def slack_refused(code: str, reference: str) -> str:
    return f"Slack a refusé l'opération ({code}). Réessayez dans un instant (référence {reference})."


def user_message(error: BaseException) -> str:
    """What the user reads about `error` (logs the unexpected ones with their traceback)."""
    if isinstance(error, RorError):
        return error.message
    reference = correlation_id()
    if isinstance(error, SlackApiError):
        code = (
            error.response.get("error", "erreur inconnue")
            if error.response is not None
            else "erreur inconnue"
        )
        logger.error("[%s] Appel à l'API Slack refusé : %s", reference, code, exc_info=error)
        return slack_refused(str(code), reference)
    if isinstance(error, SQLAlchemyError):
        logger.error("[%s] Erreur de base de données", reference, exc_info=error)
        return database_down(reference)
    logger.error(
        "[%s] Erreur inattendue pendant le traitement d'une requête Slack", reference, exc_info=error
    )
    return unexpected(reference)


def after_commit(what: str, action: Callable[[], object]) -> None:
    """Run `action`, a consequence of a change already committed (and told, or about to be told, as done):
    a failure is logged with its reference and the change stands."""
    try:
        action()
    except Exception as error:  # the change is committed: nothing here may turn it into a failure
        logger.error("[%s] Action validée, mais %s a échoué", correlation_id(), what, exc_info=error)


def _json(payload: dict[str, Any]) -> BoltResponse:
    return BoltResponse(
        status=200, body=json.dumps(payload, ensure_ascii=False), headers={"Content-Type": "application/json"}
    )


def _first_input(body: dict[str, Any]) -> str | None:
    """The block_id of the submitted form's first input, where an error keeps the form on screen."""
    blocks = (body.get("view") or {}).get("blocks") or []
    return next((str(b["block_id"]) for b in blocks if b.get("type") == "input" and b.get("block_id")), None)


def handle_error(
    error: Exception,
    body: dict[str, Any],
    response: BoltResponse | None,
    ack: Ack | None,
    client: WebClient,
    context: BoltContext,
) -> BoltResponse | None:
    """Runs for listener and middleware errors. Before the ack, the HTTP answer carries the message;
    after it, the message goes through the response URL or a DM."""
    message = user_message(error)
    unanswered = response is not None and (ack is None or ack.response is None)
    if unanswered:
        if "command" in body:
            return _json({"response_type": "ephemeral", "text": message})
        if body.get("type") == "view_submission":
            keep = _first_input(body) if isinstance(error, DatabaseBusy) else None
            if keep is not None:  # busy: the form stays as typed, to be submitted again in a moment
                return _json({"response_action": "errors", "errors": {keep: message[:2000]}})
            return _json({"response_action": "update", "view": message_modal("Erreur", message)})
    try:
        tell(body=body, client=client, respond=context.respond, text=message)
    except (SlackApiError, OSError) as delivery_error:  # Slack refused, or its response URL is unreachable
        logger.error("Impossible de prévenir l'utilisateur : %s", delivery_error)
    return BoltResponse(status=200, body="") if unanswered else None


def register(app: App) -> None:
    app.error(handle_error)
