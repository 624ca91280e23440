"""One error handler for the whole app: domain errors become their short French message; anything else
is logged with its traceback and the user gets a short French apology."""

import json
import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import SQLAlchemyError

from bot.reply import tell
from bot.views.declare import message_modal
from domain.errors import DatabaseBusy, RorError

logger = logging.getLogger(__name__)

UNEXPECTED = (
    "Une erreur inattendue est survenue : rien n'a été modifié par cette action. Réessayez dans un instant ; "
    "si le problème persiste, signalez-le à l'équipe ROR."
)
DATABASE_DOWN = "La base de données des anomalies est momentanément indisponible. Réessayez dans un instant."


def user_message(error: BaseException) -> str:
    """What the user reads about `error` (logs the unexpected ones with their traceback)."""
    if isinstance(error, RorError):
        return error.message
    if isinstance(error, SlackApiError):
        code = (
            error.response.get("error", "erreur inconnue")
            if error.response is not None
            else "erreur inconnue"
        )
        logger.error("Appel à l'API Slack refusé : %s", code, exc_info=error)
        return f"Slack a refusé l'opération ({code}). Réessayez dans un instant."
    if isinstance(error, SQLAlchemyError):
        logger.error("Erreur de base de données", exc_info=error)
        return DATABASE_DOWN
    logger.error("Erreur inattendue pendant le traitement d'une requête Slack", exc_info=error)
    return UNEXPECTED


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
    except SlackApiError as delivery_error:
        logger.error("Impossible de prévenir l'utilisateur : %s", delivery_error)
    return BoltResponse(status=200, body="") if unanswered else None


def register(app: App) -> None:
    app.error(handle_error)
