"""Who may ask: the token schemes each route accepts."""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING, Literal

from .transport import Request, Response, error

if TYPE_CHECKING:
    from .server import FakeInfluxDB3

AuthScope = Literal["v3", "v2", "v1"]

# source: AuthenticationError texts.
UNAUTHENTICATED = "the request was not authenticated"
MALFORMED_AUTH = (
    "Authorization header was malformed, the request was not in the form of "
    "'Authorization: <auth-scheme> <token>', supported auth-schemes are "
    "Bearer, Token and Basic"
)


def authenticate(
    fake: FakeInfluxDB3, request: Request, scope: AuthScope
) -> Response | None:
    """Check the token.

    openapi "Authentication" tag: Bearer works with all endpoints; Token
    with v1 and v2 endpoints; Basic and the ``p`` query parameter with v1
    endpoints (/write, /query). Failure: 401, body
    components.responses.Unauthorized (ErrorMessage JSON); the text is
    the source's. mode: the source accepts Bearer, Token and Basic on
    every route.
    """
    unauthorized = error(401, UNAUTHENTICATED)
    if scope == "v1" and "p" in request.query:
        # openapi: securitySchemes.QuerystringAuthentication.
        return None if request.query["p"] == fake.token else unauthorized
    header = request.headers.get("authorization")
    if header is None:
        return unauthorized
    parts = header.split(" ")
    if len(parts) != 2 or parts[0] not in ("Bearer", "Token", "Basic"):
        # source: AuthenticationError::MalformedRequest -> 400.
        return error(400, MALFORMED_AUTH)
    scheme, credential = parts
    strict = fake.mode == "docs"
    if scheme == "Token" and strict and scope == "v3":
        return unauthorized
    if scheme == "Basic":
        if strict and scope != "v1":
            return unauthorized
        # openapi: securitySchemes.BasicAuthentication (username ignored).
        try:
            decoded = base64.b64decode(credential, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return error(400, MALFORMED_AUTH)
        if ":" not in decoded:
            return error(400, MALFORMED_AUTH)
        credential = decoded.rsplit(":", 1)[1]
    return None if credential == fake.token else unauthorized
