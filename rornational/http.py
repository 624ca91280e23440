"""One HTTP session to the ROR national: TLS (CA bundle, client certificate), timeouts, the bearer token
and the four `Ror-…` headers on every call, and failures turned into domain outcomes."""

import json
import ssl
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from rornational.config import RorConnection
from rornational.failures import response_failure, transport_failure
from rornational.tokens import BearerAuth, TokenSource

FHIR_JSON = "application/fhir+json"


def ssl_context(connection: RorConnection) -> ssl.SSLContext:
    """Trust the CA bundle when given (the ANS chain), else the usual roots; present the client
    certificate when configured (token endpoint and API alike, RFC 8705)."""
    if connection.ca_bundle is not None:
        context = ssl.create_default_context(cafile=str(connection.ca_bundle))
    else:
        context = httpx.create_ssl_context()
    if connection.certificate is not None:
        context.load_cert_chain(str(connection.certificate.cert), str(connection.certificate.key))
    return context


class RorHttp:
    def __init__(
        self,
        connection: RorConnection,
        *,
        tokens: TokenSource | None = None,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.connection = connection
        self.timeout = httpx.Timeout(
            connection.read_timeout, connect=connection.connect_timeout, pool=connection.connect_timeout
        )
        context = ssl_context(connection)
        self.tokens = tokens or TokenSource(
            token_url=connection.auth_url,
            client_id=connection.client_id,
            client_secret=connection.client_secret,
            ssl_context=context,
            timeout=self.timeout,
            margin=connection.token_margin,
            clock=clock,
        )
        self.client = httpx.Client(
            verify=context,
            timeout=self.timeout,
            headers={"Accept": FHIR_JSON, **connection.headers.as_dict()},
            auth=BearerAuth(self.tokens),
            transport=transport,
            trust_env=False,
        )

    def send(
        self,
        method: str,
        url: str,
        *,
        what: str,
        expect: Collection[int] = (200,),
        params: Sequence[tuple[str, str]] | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """The answer when its status is one of `expect`; else the domain error saying why."""
        extra = dict(headers or {})
        content = None
        if body is not None:
            content = json.dumps(body, ensure_ascii=False).encode("utf-8")
            extra.setdefault("Content-Type", f"{FHIR_JSON}; charset=utf-8")
        try:
            response = self.client.request(
                method,
                url,
                params=list(params) if params is not None else None,
                content=content,
                headers=extra,
            )
            response.read()
        except httpx.TransportError as error:
            raise transport_failure(error, what=what, url=url, timeout=self.timeout.read or 0) from None
        if response.status_code not in expect:
            raise response_failure(response, what=what)
        return response

    def same_origin(self, link: str, base: str) -> str:
        """A `next` link on the base's scheme and host: servers behind a proxy often write their
        internal host name, and the bearer token must only ever go to the configured base."""
        parts, ours = urlsplit(urljoin(base, link)), urlsplit(base)
        return urlunsplit((ours.scheme, ours.netloc, parts.path, parts.query, ""))

    def close(self) -> None:
        self.client.close()
        self.tokens.close()
