"""Database routes: ``/api/v3/configure/database`` (create, list, delete)."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from .render import CONTENT_TYPES, FORMATS, render
from .store import parse_retention
from .transport import Request, Response, error, text

if TYPE_CHECKING:
    from .server import FakeInfluxDB3

# source: ResourceAuthorizationError text.
FORBIDDEN = "unauthorized to perform requested action with the token"
# openapi: components.schemas.CreateDatabaseRequest.properties.db.pattern.
_DB_NAME_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]$|^[a-zA-Z0-9]$")
# databases/create.md "Database naming restrictions": "Maximum 64 characters".
_DB_NAME_MAX_DOCS = 64
# source: http.rs MAXIMUM_DATABASE_NAME_LENGTH.
_DB_NAME_MAX_SOURCE = 511


def db_name_error(fake: FakeInfluxDB3, name: str) -> str | None:
    """Validate a database name.

    mode "docs": openapi CreateDatabaseRequest.db pattern (letters,
    digits, hyphens; "Database names cannot contain underscores") and
    databases/create.md "Maximum 64 characters". mode "source":
    http.rs validate_db_name (underscores and one '/' allowed, 511 max).
    """
    if not name:
        return "db name cannot be empty"
    if not name[0].isascii() or not name[0].isalnum():
        return "db name did not start with a number or letter"
    if fake.mode == "docs":
        if len(name) > _DB_NAME_MAX_DOCS:
            return f"db name too long: max {_DB_NAME_MAX_DOCS}"
        if not _DB_NAME_RE.fullmatch(name):
            return (
                "invalid character in database name: must be ASCII letters, "
                "numbers or hyphens, starting and ending with a letter or "
                "number (database names cannot contain underscores)"
            )
        return None
    if len(name) > _DB_NAME_MAX_SOURCE:
        return f"db name too long: max {_DB_NAME_MAX_SOURCE}"
    if name.count("/") > 1 or name.endswith("/"):
        return (
            "db name with invalid retention policy, if providing a retention "
            "policy name, must be of form '<db_name>/<rp_name>'"
        )
    if not re.fullmatch(r"[A-Za-z0-9_\-/]*", name):
        return (
            "invalid character in database or rp name: must be ASCII, "
            "containing only letters, numbers, underscores, or hyphens"
        )
    return None


def create_database(fake: FakeInfluxDB3, request: Request) -> Response:
    """openapi: POST /api/v3/configure/database (PostConfigureDatabase)."""
    if not fake.allow_create:
        # The openapi lists no 403 here; "Access denied" 403 is what it
        # gives on write/query endpoints and what the source answers
        # (ResourceAuthorizationError::Unauthorized -> 403).
        return error(403, FORBIDDEN)
    try:
        payload = json.loads(request.body or b"null")
    except ValueError as err:
        # openapi: 400 "Bad request"; source text "serde json error: ...".
        return text(400, f"serde json error: {err}")
    if not isinstance(payload, dict) or not isinstance(payload.get("db"), str):
        return text(400, "serde json error: missing field `db`")
    name: str = payload["db"]
    retention = payload.get("retention_period")
    if retention is not None:
        if not isinstance(retention, str):
            return text(400, "serde json error: retention_period must be a string")
        try:
            parse_retention(retention)
        except ValueError:
            return text(
                400,
                f"serde json error: invalid retention period {retention!r}: "
                "use <number><unit> with units h, d, w, mo, y (combinable), "
                "or none",
            )
    problem = db_name_error(fake, name)
    if problem is not None:
        # source: ValidateDbNameError -> 400 ErrorMessage JSON.
        return error(400, problem)
    with fake.lock:
        if name in fake.databases:
            # openapi: 409 "Database already exists."; source text.
            return text(409, "attempted to create a resource that already exists")
        if len(fake.databases) >= fake.max_databases:
            # databases/_index.md "Database limit"; source: 422 JSON.
            return error(
                422,
                f"Adding a new database would exceed limit of {fake.max_databases} databases",
            )
        fake.databases[name] = retention
        fake.tables.setdefault(name, [])
    # openapi: 200 "Success. Database created." (empty body, source).
    return Response(200)


def list_databases(fake: FakeInfluxDB3, request: Request) -> Response:
    """openapi: GET /api/v3/configure/database (GetConfigureDatabase).

    databases/list.md "List databases using the HTTP API": format=json
    gives ``[{"iox::database": "home"}, ...]`` (the openapi schema
    ShowDatabasesResponse says ``{"databases": [...]}``; the guide and
    the source agree on the former). Retention periods are not part of
    this list (use SHOW RETENTION POLICIES).
    """
    fmt_name = request.query.get("format")
    if fmt_name is None:
        # openapi: parameter "format" required (formatRequired).
        return text(400, "serde error: missing field `format`")
    fmt = FORMATS.get(fmt_name)
    if fmt is None:
        return text(400, f"serde error: unknown variant `{fmt_name}`")
    if fmt == "parquet":
        return text(501, "FakeInfluxDB3 does not implement parquet output")
    with fake.lock:
        names = sorted(fake.databases)
    rows = [{"iox::database": name} for name in names]
    return Response(
        200,
        render(["iox::database"], rows, fmt),
        {"Content-Type": CONTENT_TYPES[fmt]},
    )


def delete_database(fake: FakeInfluxDB3, request: Request) -> Response:
    """openapi: DELETE /api/v3/configure/database: 200, 404 not found.

    The server soft-deletes; the fake forgets the database.
    """
    name = request.query.get("db")
    if name is None:
        return text(400, "serde error: missing field `db`")
    with fake.lock:
        if name not in fake.databases:
            return text(404, f"Database not found {name}")
        fake.store.drop(name)
    return Response(200)
