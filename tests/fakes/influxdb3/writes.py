"""Write routes: ``/api/v3/write_lp`` and the v1/v2 compatibility writes."""

from __future__ import annotations

import gzip
from typing import TYPE_CHECKING, cast
import zlib

from .admin import db_name_error
from .lineprotocol import COMPAT_PRECISIONS, V3_PRECISIONS
from .transport import (
    Request,
    Response,
    error,
    json_response,
    parse_bool,
    text,
    v2_error,
)

if TYPE_CHECKING:
    from .server import FakeInfluxDB3

# v3-write-lp.md "Accept partial writes" / "Do not accept partial writes".
PARTIAL_WRITE_ERROR = "partial write of line protocol occurred"
REJECT_ALL_ERROR_DOCS = "parsing failed for write_lp endpoint"
# mode: the source answers accept_partial=false with this text instead
# (http.rs, WriteBufferError::ParseError arm; tests.rs write_lp_tests).
REJECT_ALL_ERROR_SOURCE = "line protocol parsing error"
# openapi: POST /write, response 400, example rejectedAllPoints.
V1_WRITE_FAILED_ERROR = "write of line protocol failed"
# troubleshoot.md "Handle write responses": the body lists rejected points,
# "up to 100 points".
MAX_REPORTED_REJECTIONS = 100


def decode_body(
    fake: FakeInfluxDB3, request: Request
) -> tuple[str | None, Response | None]:
    """Gunzip and decode a line protocol body.

    openapi: components.schemas.ContentEncoding (gzip, identity;
    multi-member gzip supported). Errors: source texts.
    """
    encoding = request.headers.get("content-encoding", "identity")
    body = request.body
    if encoding == "gzip":
        try:
            body = gzip.decompress(body)
        except (OSError, EOFError, zlib.error) as err:
            return None, text(400, f"error decoding gzip stream: {err}")
        if len(body) > fake.max_request_bytes:
            return None, text(
                413, f"max request size ({fake.max_request_bytes} bytes) exceeded"
            )
    elif encoding != "identity":
        return None, text(400, f"unacceptable content-encoding: {encoding}")
    try:
        return body.decode("utf-8"), None
    except UnicodeDecodeError as err:
        return None, text(400, f"body content is not valid utf8: {err}")


def write_lp(fake: FakeInfluxDB3, request: Request) -> Response:
    """openapi: POST /api/v3/write_lp (PostWriteLP)."""
    query = request.query
    if not request.raw_query:
        return text(400, "missing query parameter 'db'")
    if "db" not in query:
        return text(400, "serde error: missing field `db`")
    precision = V3_PRECISIONS.get(query.get("precision", "auto"))
    if precision is None:
        # openapi: components.schemas.PrecisionWrite enum -> 400.
        return text(
            400,
            f"serde error: unknown variant `{query['precision']}`, expected one of "
            "`auto`, `second`, `millisecond`, `microsecond`, `nanosecond`",
        )
    flags: dict[str, bool] = {}
    for name in ("accept_partial", "no_sync"):
        if name in query:
            value = parse_bool(query[name])
            if value is None:
                return text(
                    400, "serde error: provided string was not `true` or `false`"
                )
            flags[name] = value
    # openapi: components.schemas.AcceptPartial default true.
    accept_partial = flags.get("accept_partial", True)
    db = query["db"]
    problem = db_name_error(fake, db)
    if problem is not None:
        return error(400, problem)
    body, failure = decode_body(fake, request)
    if body is None:
        return cast(Response, failure)
    result = fake.write_batch(
        db, body, precision=precision, accept_partial=accept_partial
    )
    if result.empty:
        # source: WriteBufferError::EmptyWrite -> 400.
        return text(400, "incoming write was empty")
    if result.db_limit is not None:
        # databases/_index.md "Database limit"; openapi write_lp 422.
        return error(422, result.db_limit)
    if not result.errors:
        # openapi: 204 "All data in the batch is written and queryable".
        return Response(204)
    # source: a schema limit among the rejections turns 400 into 422
    # (openapi write_lp lists 422 "Unprocessable entity").
    status = 422 if result.limit_hit else 400
    if accept_partial:
        errors = result.errors
        if fake.mode == "docs":
            errors = errors[:MAX_REPORTED_REJECTIONS]
        return json_response(
            status,
            {
                "error": PARTIAL_WRITE_ERROR,
                "data": [err.as_json() for err in errors],
            },
        )
    message = REJECT_ALL_ERROR_DOCS if fake.mode == "docs" else REJECT_ALL_ERROR_SOURCE
    return json_response(status, {"error": message, "data": result.errors[0].as_json()})


def write_v2(fake: FakeInfluxDB3, request: Request) -> Response:
    """openapi: POST /api/v2/write (PostV2Write).

    Parameters bucket (required; org ignored), precision
    (PrecisionWriteCompatibility, default ns), accept_partial (default
    true). The openapi gives no error body; errors use the v2 shape
    {"code", "message"} (source V2ErrorResponse). mode "source": the
    server ignores accept_partial here and rejects the whole batch
    (influxdb3_types http.rs: "legacy behaviour was to not accept
    partial").
    """
    query = request.query
    if not request.raw_query:
        return v2_error(400, "invalid", "no org/bucket destination provided")
    precision = COMPAT_PRECISIONS.get(query.get("precision", "ns"))
    if precision is None:
        return v2_error(
            400,
            "invalid",
            "failed to deserialize org/bucket/precision in request: unknown variant "
            f"`{query['precision']}`, expected one of `second`, `millisecond`, "
            "`microsecond`, `nanosecond`",
        )
    bucket = query.get("bucket", "")
    if not bucket:
        return v2_error(400, "invalid", "missing bucket value")
    accept_partial = True
    if fake.mode == "source":
        accept_partial = False
    elif "accept_partial" in query:
        value = parse_bool(query["accept_partial"])
        if value is None:
            return v2_error(400, "invalid", "provided string was not `true` or `false`")
        accept_partial = value
    problem = db_name_error(fake, bucket)
    if problem is not None:
        return v2_error(400, "invalid", problem)
    body, failure = decode_body(fake, request)
    if body is None:
        failure = cast(Response, failure)
        return v2_error(failure.status, "invalid", failure.body.decode())
    result = fake.write_batch(
        bucket, body, precision=precision, accept_partial=accept_partial
    )
    if result.empty:
        return v2_error(400, "invalid", "write buffer error: incoming write was empty")
    if result.db_limit is not None:
        return v2_error(400, "invalid", result.db_limit)
    if not result.errors:
        # openapi: 204 "All data in the batch is written and queryable".
        return Response(204)
    if fake.mode == "source":
        first = result.errors[0]
        return v2_error(
            400,
            "invalid",
            f"write buffer error: line protocol parse failed: {first.error_message}",
        )
    details = "; ".join(
        f"line {err.line_number}: {err.error_message}" for err in result.errors
    )
    headline = PARTIAL_WRITE_ERROR if accept_partial else REJECT_ALL_ERROR_DOCS
    return v2_error(400, "invalid", f"{headline}: {details}")


def write_v1(fake: FakeInfluxDB3, request: Request) -> Response:
    """openapi: POST /write (PostV1Write).

    Parameters db (required), precision (PrecisionWriteCompatibility),
    rp ("honored but discouraged": stored as db/rp, databases/create.md
    "InfluxQL DBRP naming convention"). Response 400 bodies: the
    documented examples rejectedAllPoints / partialWriteErrorWithRejected
    Points. mode "source": whole batch rejected, {"error": "line protocol
    parsing error", "data": {...}}.
    """
    query = request.query
    if not request.raw_query or "db" not in query:
        return error(400, "no db destination provided")
    precision = COMPAT_PRECISIONS.get(query.get("precision", "ns"))
    if precision is None:
        return error(
            400,
            "failed to deserialize db/rp/precision in request: unknown variant "
            f"`{query['precision']}`",
        )
    db = query["db"]
    rp = query.get("rp", "").lower()
    if rp not in ("", "''", "autogen", "default"):
        db = f"{db}/{rp}"
    problem = db_name_error(fake, db)
    if problem is not None:
        return error(400, problem)
    body, failure = decode_body(fake, request)
    if body is None:
        return cast(Response, failure)
    accept_partial = fake.mode == "docs"
    result = fake.write_batch(
        db, body, precision=precision, accept_partial=accept_partial
    )
    if result.empty:
        return text(400, "incoming write was empty")
    if result.db_limit is not None:
        return error(422, result.db_limit)
    if not result.errors:
        return Response(204)
    if fake.mode == "source":
        return json_response(
            400,
            {"error": REJECT_ALL_ERROR_SOURCE, "data": result.errors[0].as_json()},
        )
    headline = PARTIAL_WRITE_ERROR if result.accepted else V1_WRITE_FAILED_ERROR
    errors = result.errors[:MAX_REPORTED_REJECTIONS]
    return json_response(
        400, {"error": headline, "data": [err.as_json() for err in errors]}
    )
