"""Every way a call to the ROR national can fail, turned into a domain outcome with one French line.

- down, slow, overloaded, unreachable, connection dropped, unreadable answer → `RorNationalUnavailable`
  (with `retry_after` when the ROR gave one);
- 4xx with an OperationOutcome → `RorNationalRefused` (its text), 403 saying the `Ror-…` headers are refused,
  404 `RorNationalNotFound`, 409/412 `RorNationalVersionConflict`;
- token refused, 401 after one renewal, certificate refused (either side) → `RorNationalAuthenticationRefused`."""

import json
import ssl
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpx
from fhir.resources.R4B.operationoutcome import OperationOutcome
from pydantic import ValidationError

from domain.errors import (
    RorNationalAuthenticationRefused,
    RorNationalError,
    RorNationalNotFound,
    RorNationalRefused,
    RorNationalUnavailable,
    RorNationalVersionConflict,
)

# OpenSSL alerts a server sends when it refuses the certificate we presented (or that we presented none).
_CLIENT_CERTIFICATE_ALERTS = (
    "ALERT_BAD_CERTIFICATE",
    "ALERT_UNKNOWN_CA",
    "CERTIFICATE_REQUIRED",
    "ALERT_CERTIFICATE_UNKNOWN",
    "ALERT_CERTIFICATE_REVOKED",
    "ALERT_CERTIFICATE_EXPIRED",
    "ALERT_ACCESS_DENIED",
    "ALERT_HANDSHAKE_FAILURE",
)


def host_of(url: str) -> str:
    return urlsplit(url).netloc or url


def outcome_text(response: httpx.Response) -> str:
    """The OperationOutcome's diagnostics / details, joined; empty when the body is not one."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict) or body.get("resourceType") != "OperationOutcome":
        return ""
    try:
        outcome = OperationOutcome.model_validate(body)
    except ValidationError:
        return ""
    parts: list[str] = []
    for issue in outcome.issue or []:
        details = issue.details
        text = issue.diagnostics or (details.text if details is not None else None)
        if not text and details is not None:
            text = ", ".join(c.display or c.code or "" for c in details.coding or [] if c.display or c.code)
        if text:
            parts.append(text.strip())
    return " ; ".join(dict.fromkeys(parts))


def retry_after(response: httpx.Response, now: datetime | None = None) -> float | None:
    """Retry-After in seconds (delta-seconds or an HTTP date), None when absent or unreadable."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _ssl_reason(error: BaseException) -> str | None:
    """The OpenSSL reason of the first SSL error in the chain (e.g. CERTIFICATE_VERIFY_FAILED)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLError):
            return str(current.reason or current)
        text = str(current)
        for marker in ("CERTIFICATE_VERIFY_FAILED", *_CLIENT_CERTIFICATE_ALERTS):
            if marker in text.upper():
                return marker
        current = current.__cause__ or current.__context__
    return None


def transport_failure(
    error: httpx.TransportError, *, what: str, url: str, timeout: float
) -> RorNationalError:
    """`what`: the service in French (« le ROR national (base des anomalies) »)."""
    host = host_of(url)
    reason = _ssl_reason(error)
    if reason is not None and "CERTIFICATE_VERIFY_FAILED" in reason.upper():
        return RorNationalAuthenticationRefused(
            f"Le certificat TLS de {host} n'est pas reconnu ({what}) : vérifiez ROR_CA_BUNDLE "
            "(chaîne de confiance de l'ANS)."
        )
    if reason is not None and any(alert in reason.upper() for alert in _CLIENT_CERTIFICATE_ALERTS):
        return RorNationalAuthenticationRefused(
            f"{_capital(what)} refuse le certificat client présenté ({reason}) : vérifiez "
            "ROR_CLIENT_CERT et ROR_CLIENT_KEY (certificat IGC-Santé reconnu par l'ANS)."
        )
    if isinstance(error, httpx.TimeoutException):
        kind = "connexion" if isinstance(error, httpx.ConnectTimeout) else "réponse"
        return RorNationalUnavailable(
            f"{_capital(what)} ne répond pas ({kind} au-delà de {timeout:g} s, {host}) : nouvel essai plus tard."
        )
    if isinstance(error, httpx.ConnectError):
        return RorNationalUnavailable(
            f"{_capital(what)} est injoignable à {host} (connexion impossible) : nouvel essai plus tard."
        )
    if isinstance(error, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return RorNationalUnavailable(
            f"La connexion avec {what} a été coupée avant la réponse ({host}) : nouvel essai plus tard."
        )
    return RorNationalUnavailable(
        f"{_capital(what)} est injoignable à {host} ({error}) : nouvel essai plus tard."
    )


def response_failure(response: httpx.Response, *, what: str) -> RorNationalError:
    """The error of a non-2xx answer (after the one token renewal a 401 gets)."""
    code = response.status_code
    reason = outcome_text(response)
    said = f" : {reason.rstrip('.')}" if reason else ""
    if code == 429:
        wait = retry_after(response)
        later = f"nouvel essai dans {wait:g} s" if wait is not None else "nouvel essai plus tard"
        return RorNationalUnavailable(
            f"{_capital(what)} limite le nombre de requêtes (HTTP 429){said} : {later}.", retry_after=wait
        )
    if code >= 500 or code == 408:
        return RorNationalUnavailable(
            f"{_capital(what)} est indisponible (HTTP {code}){said} : nouvel essai plus tard.",
            retry_after=retry_after(response),
        )
    if code == 401:
        return RorNationalAuthenticationRefused(
            f"{_capital(what)} refuse le jeton d'accès, même renouvelé (HTTP 401){said} : vérifiez "
            "ROR_CLIENT_ID et ses droits auprès de l'ANS."
        )
    if code == 403:
        return RorNationalRefused(
            f"{_capital(what)} refuse l'accès (HTTP 403){said} : vérifiez les en-têtes Ror-… "
            "(ROR_PROFIL_UTILISATEUR_CODE, ROR_PROFIL_UTILISATEUR_SYSTEM, ROR_ROLE_METIER_CODE, "
            "ROR_ROLE_METIER_SYSTEM) donnés par l'ANS.",
            status_code=code,
            reason=reason,
        )
    if code in (404, 410):
        return RorNationalNotFound(
            f"{_capital(what)} ne connaît pas cette ressource (HTTP {code}){said}.",
            status_code=code,
            reason=reason,
        )
    if code in (409, 412):
        return RorNationalVersionConflict(
            f"{_capital(what)} refuse la modification : l'anomalie a changé entre-temps (HTTP {code}){said}.",
            status_code=code,
            reason=reason,
        )
    if 400 <= code < 500:
        return RorNationalRefused(
            f"{_capital(what)} a refusé la demande (HTTP {code}){said or ' sans explication'}.",
            status_code=code,
            reason=reason,
        )
    return RorNationalUnavailable(f"{_capital(what)} a donné une réponse inattendue (HTTP {code}).")


def unreadable(what: str, detail: str) -> RorNationalUnavailable:
    return RorNationalUnavailable(
        f"{_capital(what)} a donné une réponse illisible ({detail}) : nouvel essai plus tard."
    )


def json_body(response: httpx.Response, *, what: str) -> dict[str, object]:
    try:
        body = response.json()
    except (ValueError, json.JSONDecodeError):
        raise unreadable(what, "pas du JSON") from None
    if not isinstance(body, dict):
        raise unreadable(what, "objet JSON attendu")
    return body


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
