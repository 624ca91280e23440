"""OAuth2 client-credentials tokens from the ROR national's Keycloak (authlib's httpx client), cached
until shortly before `expires_in`, renewed on demand after a 401; and the httpx `Auth` that puts the
bearer token on every call and retries once with a fresh token when the API answers 401.

Profile 0: `client_id` + `client_secret`. Profiles 1–4: mutual TLS (RFC 8705, `tls_client_auth`): the
certificate is presented by the TLS layer and the form only names the `client_id`."""

import ssl
import threading
import time
import warnings
from collections.abc import Callable, Generator
from typing import Any

import httpx
from authlib.deprecate import AuthlibDeprecationWarning

from domain.errors import RorNationalAuthenticationRefused, RorNationalError, RorNationalUnavailable
from rornational.failures import host_of, retry_after, transport_failure

with warnings.catch_warnings():
    # authlib ≥ 1.8 prefers the `httpx2` fork and warns on import when it finds httpx; httpx is what
    # this project uses, and authlib supports it. (Imported first: authlib.deprecate adds its own
    # « always » filter on import, which would win over this one.)
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.httpx_client import OAuth2Client, OAuthError
    from authlib.oauth2.auth import encode_none

WHAT = "le serveur d'authentification du ROR national"
TLS_CLIENT_AUTH = "tls_client_auth"


class TokenSource:
    """Thread-safe: the background sender, the sync and Slack handlers share one source."""

    def __init__(
        self,
        *,
        token_url: str,
        client_id: str,
        client_secret: str | None,
        ssl_context: ssl.SSLContext,
        timeout: httpx.Timeout,
        margin: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self._uses_secret = client_secret is not None
        self._timeout = timeout
        self._margin = margin
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._valid_until = 0.0
        self.expires_in: float | None = None
        self.fetched = 0  # how many tokens were obtained (tests, `ror check`)
        method = "client_secret_basic" if self._uses_secret else TLS_CLIENT_AUTH
        self._oauth = OAuth2Client(
            client_id=client_id,
            client_secret=client_secret,
            token_endpoint_auth_method=method,
            verify=ssl_context,
            timeout=timeout,
            trust_env=False,
        )
        if not self._uses_secret:
            # RFC 8705 §2: the client authenticates with its certificate; the form names the client_id.
            self._oauth.register_client_auth_method((TLS_CLIENT_AUTH, encode_none))
        self._oauth.register_compliance_hook("access_token_response", self._check_answer)

    def access_token(self) -> str:
        with self._lock:
            if self._token is None or self._clock() >= self._valid_until:
                self._fetch()
            assert self._token is not None
            return self._token

    def renew(self) -> str:
        """A new token, whatever the cache holds (`ror-bot ror check`)."""
        with self._lock:
            self._fetch()
            assert self._token is not None
            return self._token

    def invalidate(self, token: str) -> None:
        """The API refused `token` (401): the next `access_token()` fetches a new one, unless another
        thread already did."""
        with self._lock:
            if self._token == token:
                self._token = None

    def close(self) -> None:
        self._oauth.close()

    def _fetch(self) -> None:
        try:
            token: dict[str, Any] = self._oauth.fetch_token(self.token_url, grant_type="client_credentials")
        except RorNationalError:
            raise
        except httpx.TransportError as error:
            raise transport_failure(
                error, what=WHAT, url=self.token_url, timeout=self._timeout.read or 0
            ) from None
        except OAuthError as error:
            raise self._refused(f"{error.error}", error.description) from None
        access = token.get("access_token")
        if not isinstance(access, str) or not access:
            raise RorNationalAuthenticationRefused(
                f"Le serveur d'authentification du ROR national ({host_of(self.token_url)}) n'a pas donné "
                "de jeton d'accès (access_token absent)."
            )
        now = self._clock()
        expires_in = _seconds(token.get("expires_in"))
        self.expires_in = expires_in
        if expires_in is None:
            self._valid_until = float("inf")  # kept until the API refuses it
        else:
            self._valid_until = now + expires_in - min(self._margin, expires_in / 2)
        self._token = access
        self.fetched += 1

    def _check_answer(self, response: httpx.Response) -> httpx.Response:
        """Before authlib reads the answer: an overloaded or failing Keycloak is not a refusal."""
        code = response.status_code
        if code == 429 or code >= 500:
            wait = retry_after(response)
            raise RorNationalUnavailable(
                f"Le serveur d'authentification du ROR national est indisponible (HTTP {code}, "
                f"{host_of(self.token_url)}) : nouvel essai plus tard.",
                retry_after=wait,
            )
        if code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = None
            if not isinstance(body, dict) or "error" not in body:
                raise self._refused(f"HTTP {code}", None)
        return response

    def _refused(self, error: str, description: str | None) -> RorNationalAuthenticationRefused:
        said = f"{error} : {description}" if description else error
        if self._uses_secret:
            check = "vérifiez ROR_CLIENT_ID et ROR_CLIENT_SECRET (secret incorrect ou client inconnu)"
        else:
            check = "vérifiez ROR_CLIENT_ID et le certificat ROR_CLIENT_CERT (certificat refusé ou client inconnu)"
        return RorNationalAuthenticationRefused(
            f"Le serveur d'authentification du ROR national ({host_of(self.token_url)}) refuse le client "
            f"« {self.client_id} » ({said}) : {check}."
        )


def _seconds(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and value.strip().isdigit():
        return float(value)
    return None


class BearerAuth(httpx.Auth):
    """Bearer token on every request; one renewal and one retry when the API answers 401."""

    def __init__(self, tokens: TokenSource) -> None:
        self.tokens = tokens

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self.tokens.access_token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401:
            self.tokens.invalidate(token)
            request.headers["Authorization"] = f"Bearer {self.tokens.access_token()}"
            yield request
