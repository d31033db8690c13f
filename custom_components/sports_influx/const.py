"""Constants for the Sports Influx integration."""

from __future__ import annotations

import logging
from typing import Final

from .schema import RetentionClass

DOMAIN: Final = "sports_influx"
LOGGER = logging.getLogger(__package__)

CONF_DATABASE: Final = "database"

# Options (tunables live in entry.options, connection data in entry.data).
CONF_BATCH_SIZE: Final = "batch_size"
CONF_FLUSH_INTERVAL: Final = "flush_interval"
# Entity ids to follow; absent or empty = every recognized sports sensor.
CONF_ENTITIES: Final = "entities"

# Options naming the database (InfluxDB 3) or bucket (InfluxDB 2.x) of each
# retention class; absent = the schema's default.
CONF_V3_DATABASES: Final = {cls: f"v3_database_{cls}" for cls in RetentionClass}
CONF_V2_BUCKETS: Final = {cls: f"v2_bucket_{cls}" for cls in RetentionClass}

# Bound of the durable outbox on disk, in MB.
CONF_OUTBOX_MAX_MB: Final = "outbox_max_mb"

# Bound of the quarantine of refused lines (rejected.lp): its oldest groups
# are dropped past it.
REJECTED_MAX_BYTES: Final = 1024 * 1024

# A batch is written when it holds this many points or when the flush
# interval passes. InfluxDB advises thousands of lines per write: a live game
# does not fill one between two flushes, a burst does, and a request stays
# within MAX_REQUEST_BYTES whatever the batch.
DEFAULT_BATCH_SIZE: Final = 1000
DEFAULT_OUTBOX_MAX_MB: Final = 50
DEFAULT_FLUSH_INTERVAL: Final = 10  # seconds

# Retry policy: delay = min(BASE_DELAY * BACKOFF_BASE ** n, MAX_DELAY) + jitter.
RETRY_BASE_DELAY: Final = 5.0
RETRY_BACKOFF_BASE: Final = 2
RETRY_MAX_RETRIES: Final = 5
RETRY_MAX_DELAY: Final = 30.0
RETRY_MAX_JITTER: Final = 2.0

# Deadlines so HA's unload and shutdown are never held hostage by the server.
UNLOAD_FLUSH_TIMEOUT: Final = 10.0
STOP_FLUSH_TIMEOUT: Final = 5.0
# Upper bound for one HTTP call (admin or write).
REQUEST_TIMEOUT: Final = 10.0

# Queue cap: past it points are refused and counted rather than growing memory.
MAX_QUEUE_POINTS: Final = 100_000
# A backfill or a backlog writes at most this many points per request (and
# at most MAX_REQUEST_BYTES).
BACKFILL_BATCH_SIZE: Final = 5000
# Upper bounds of one action call's lists: a call is validated, checked and
# queued in chunks of ACTION_CHUNK items, the loop free between chunks.
MAX_STANDINGS_ROWS: Final = 1000
MAX_PLAYERS: Final = 500
MAX_INJURIES: Final = 500
MAX_PLAYER_STATS: Final = 200
ACTION_CHUNK: Final = 100
# A request carries at most this much line protocol: under the 1 MiB
# (1,048,576 bytes) body limit a default nginx applies (client_max_body_size
# 1m). A proxy with a smaller limit answers 413: the request is halved, and
# later ones keep the size that passed.
MAX_REQUEST_BYTES: Final = 1_000_000
# Finding which lines a server refused, without it naming them, costs
# requests (split and resend): at most this many refused ones per write;
# what is still unresolved then is quarantined as it is.
MAX_REFUSED_REQUESTS: Final = 100
# The write client is closed once no drain has begun for this long
# (seconds) after the last: it holds gRPC threads while open. Drains closer
# together (a burst, a backfill's chunks) keep one client; between two timed
# flushes it is closed, since opening it again costs about what its threads
# take idle over a few seconds; a writer with nothing to send holds none.
WRITE_CLIENT_HOLD: Final = 2.0
# At close, writes still in flight this long before the deadline are ended,
# leaving the time to keep what is unwritten in the outbox.
CLOSE_SPOOL_MARGIN: Final = 1.0
# Line protocol limits no server lifts: a tag value (UTF-8 bytes), an
# integer field (int64), a timestamp (int64 nanoseconds, as 1.x bounds it).
MAX_TAG_VALUE_BYTES: Final = 1024
INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1
TIME_MIN_NS: Final = -(2**63) + 2
TIME_MAX_NS: Final = 2**63 - 2
# Statistics sensors follow the queue at most this often (seconds).
NOTIFY_INTERVAL: Final = 1.0
# Average write time is taken over this many writes.
WRITE_TIME_WINDOW: Final = 100


def store_key(entry_id: str, name: str) -> str:
    """An entry's file under HA's ``.storage`` ("server", "dedupe")."""
    return f"{DOMAIN}.{entry_id}.{name}"


# What an entry keeps in ``.storage`` besides its outbox folder: removed
# with the entry.
STORE_NAMES = ("server", "dedupe")

# Bound of ``damaged/``, the outbox bytes set aside for a human: a damaged
# segment is set aside whole (segments close past four requests' worth), so
# this keeps the last few damaged segments while a disk that keeps
# corrupting cannot fill up, and stays small beside the outbox's own bound
# (50 MB by default).
DAMAGED_MAX_BYTES: Final = 16 * 1024 * 1024
