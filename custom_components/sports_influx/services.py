"""Actions: write scores, standings, injuries and player stats; flush.

The same records the sources produce, for automations and scripts that get
their data elsewhere. Data is checked twice: voluptuous for shape and types
(its message wrapped in a translated ``ServiceValidationError``), then the
rules a schema cannot say (a field of the other league, a team against
itself, a value the InfluxDB schema refuses). An invalid call writes nothing.

Every action uses the entry's token, which may read and write the server:
only administrators may call them (calls without a user, from automations
and scripts, are the system's own). Lists are bounded (const.py) and their
items are validated, checked and queued in chunks, so a large call leaves the
event loop free between chunks. A time without a UTC offset is read in Home
Assistant's time zone, as the UI's date-time selector gives it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import voluptuous as vol

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import (
    HomeAssistantError,
    ServiceValidationError,
    Unauthorized,
    UnknownUser,
)
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util

from .backfill import async_backfill
from .config_flow import without_userinfo
from .const import (
    ACTION_CHUNK,
    DOMAIN,
    MAX_INJURIES,
    MAX_PLAYER_STATS,
    MAX_PLAYERS,
    MAX_STANDINGS_ROWS,
)
from .influx import CannotConnectError, InvalidAuthError, UnsupportedQueryError
from .lineprotocol import InvalidRecordError, check, measurement_for
from .models import SportsInfluxConfigEntry
from .query import QueryError, QueryLanguage, QueryNotAllowedError, check_query
from .records import (
    InjuryReport,
    League,
    NflScore,
    NhlScore,
    PlayerStats,
    Record,
    Standing,
)
from .schema import NFL_STANDINGS, NHL_STANDINGS, FieldType, RetentionClass
from .sources.parsing import season_of, synthetic_game_id
from .sources.status import canonical_status

SERVICE_WRITE_SCORE = "write_score"
SERVICE_WRITE_STANDINGS = "write_standings"
SERVICE_WRITE_INJURY_REPORT = "write_injury_report"
SERVICE_WRITE_PLAYER_STATS = "write_player_stats"
SERVICE_FLUSH = "flush"
SERVICE_BACKFILL = "backfill"
SERVICE_QUERY = "query"

ATTR_CONFIG_ENTRY_ID = "config_entry_id"

# Shapes shared by the schemas below.
_TEXT = vol.All(cv.string, vol.Strip, vol.Length(min=1, max=200))
_TEAM = vol.All(cv.string, vol.Strip, vol.Upper, vol.Length(min=1, max=10))
_COUNT = vol.All(vol.Coerce(int), vol.Range(min=0, max=9999))
_SEASON = vol.All(vol.Coerce(int), vol.Range(min=1900, max=2199))
_LEAGUE = vol.All(cv.string, vol.Upper, vol.Coerce(League))
_ENTRY: dict[Any, Any] = {vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string}
# A naive time is read in HA's time zone (dt_util.as_utc), then kept in UTC.
_DATETIME = vol.All(cv.datetime, dt_util.as_utc)
_TIME: dict[Any, Any] = {vol.Optional("time"): _DATETIME}

# Score fields only one league has (the records' own field names).
_NFL_ONLY = ("week", "possession", "down_distance", "field_position")
_NHL_ONLY = (
    "home_shots",
    "away_shots",
    "home_power_play",
    "away_power_play",
    "home_shootout",
    "away_shootout",
)


def _status_word(value: str) -> str:
    if canonical_status(value, value) is None:
        raise vol.Invalid(f"unknown game status {value!r}")
    return value


WRITE_SCORE_SCHEMA = vol.Schema(
    {
        **_ENTRY,
        vol.Required("league"): _LEAGUE,
        vol.Required("home_team"): _TEAM,
        vol.Required("away_team"): _TEAM,
        vol.Required("home_score"): _COUNT,
        vol.Required("away_score"): _COUNT,
        # Any source's word (IN, LIVE, FINAL, OFF, Postponed ...): written as
        # the one status vocabulary, the word kept in ``source_status``.
        vol.Optional("status", default="IN"): vol.All(_TEAM, _status_word),
        vol.Optional("game_id"): _TEXT,
        vol.Optional("season"): _SEASON,
        vol.Optional("season_type"): _TEXT,
        # The quarter (NFL) or period (NHL), as TeamTracker's `quarter`.
        vol.Optional("period"): vol.All(vol.Coerce(int), vol.Range(min=1, max=20)),
        vol.Optional("time_remaining"): _TEXT,
        vol.Optional("week"): vol.All(vol.Coerce(int), vol.Range(min=0, max=30)),
        vol.Optional("possession"): _TEAM,
        vol.Optional("down_distance"): _TEXT,
        vol.Optional("field_position"): _TEXT,
        **{vol.Optional(name): _COUNT for name in _NHL_ONLY},
        **_TIME,
    }
)


def _field_validator(field_type: FieldType) -> Any:
    if field_type is FieldType.INTEGER:
        return vol.Coerce(int)
    if field_type is FieldType.FLOAT:
        return vol.All(vol.Coerce(float), vol.Range(min=-1e12, max=1e12))
    return _TEXT


# Every standings field either league's measurement has, typed by schema.py.
_STANDING_FIELDS = {
    name: _field_validator(field_type)
    for measurement in (NFL_STANDINGS, NHL_STANDINGS)
    for name, field_type in measurement.fields.items()
}

_STANDING_TAGS = ("team", "conference", "division")

_STANDING_OPTIONAL: dict[Any, Any] = {
    vol.Optional(name): validator
    for name, validator in _STANDING_FIELDS.items()
    if name not in ("wins", "losses")
}

_STANDING = vol.Schema(
    {
        vol.Required("team"): _TEAM,
        vol.Required("wins"): _COUNT,
        vol.Required("losses"): _COUNT,
        vol.Optional("conference"): _TEXT,
        vol.Optional("division"): _TEXT,
        **_STANDING_OPTIONAL,
    }
)

WRITE_STANDINGS_SCHEMA = vol.Schema(
    {
        **_ENTRY,
        vol.Required("league"): _LEAGUE,
        vol.Required("season"): _SEASON,
        vol.Required("standings"): vol.All(
            cv.ensure_list, vol.Length(min=1, max=MAX_STANDINGS_ROWS)
        ),
        **_TIME,
    }
)

# Who an injury or a stat line is about.
_PLAYER_KEYS: dict[Any, Any] = {
    vol.Required("player_id"): _TEXT,
    vol.Required("player_name"): _TEXT,
    vol.Required("team"): _TEAM,
    vol.Optional("position"): _TEXT,
}

_INJURY = vol.Schema(
    {
        **_PLAYER_KEYS,
        vol.Required("status"): _TEXT,
        vol.Optional("injury_type"): _TEXT,
        vol.Optional("weeks_out"): vol.All(vol.Coerce(int), vol.Range(min=0, max=60)),
        vol.Optional("practice_participation"): _TEXT,
        vol.Optional("comment"): vol.All(cv.string, vol.Length(max=2000)),
    }
)

WRITE_INJURY_REPORT_SCHEMA = vol.Schema(
    {
        **_ENTRY,
        vol.Optional("season"): _SEASON,
        vol.Required("injuries"): vol.All(
            cv.ensure_list, vol.Length(min=1, max=MAX_INJURIES)
        ),
        **_TIME,
    }
)


def _stat_value(value: Any) -> int | float:
    # Stats are numbers; booleans and numeric strings are not silently taken.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise vol.Invalid(f"{value!r} is not a number")
    return value


_PLAYER = vol.Schema(
    {
        **_PLAYER_KEYS,
        vol.Required("stats"): vol.All(
            {vol.Match(r"^[a-z][a-z0-9_]{0,63}$"): _stat_value},
            vol.Length(min=1, max=MAX_PLAYER_STATS),
        ),
    }
)

WRITE_PLAYER_STATS_SCHEMA = vol.Schema(
    {
        **_ENTRY,
        vol.Required("league"): _LEAGUE,
        vol.Optional("game_id"): _TEXT,
        vol.Optional("season"): _SEASON,
        vol.Optional("week"): vol.All(vol.Coerce(int), vol.Range(min=0, max=30)),
        vol.Required("players"): vol.All(
            cv.ensure_list, vol.Length(min=1, max=MAX_PLAYERS)
        ),
        **_TIME,
    }
)

FLUSH_SCHEMA = vol.Schema(_ENTRY)

QUERY_SCHEMA = vol.Schema(
    {
        **_ENTRY,
        vol.Required("query"): vol.All(cv.string, vol.Length(min=1, max=10000)),
        vol.Optional("language"): vol.All(
            cv.string, vol.Lower, vol.Coerce(QueryLanguage)
        ),
        vol.Optional("retention", default=RetentionClass.EVENTS.value): vol.All(
            cv.string, vol.Lower, vol.Coerce(RetentionClass)
        ),
        vol.Optional("limit", default=1000): vol.All(
            vol.Coerce(int), vol.Range(min=1, max=10000)
        ),
        vol.Optional("timeout", default=10): vol.All(
            vol.Coerce(float), vol.Range(min=1, max=60)
        ),
    }
)

BACKFILL_SCHEMA = vol.Schema(
    {
        **_ENTRY,
        vol.Optional("entity_id"): cv.entity_ids,
        vol.Optional("start"): _DATETIME,
        vol.Optional("end"): _DATETIME,
    }
)


def _translated(schema: vol.Schema) -> vol.All:
    """Run ``schema``; turn its error into a translated validation error."""

    def validate(data: Any) -> Any:
        try:
            return schema(data)
        except vol.Invalid as err:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="invalid_action_data",
                translation_placeholders={"error": str(err)},
            ) from err

    # vol.All only catches vol.Invalid: the translated error reaches the caller.
    return vol.All(validate)


def _invalid(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=placeholders,
    )


def _entry(hass: HomeAssistant, call: ServiceCall) -> SportsInfluxConfigEntry:
    """The loaded entry the call names, or the only one."""
    if entry_id := call.data.get(ATTR_CONFIG_ENTRY_ID):
        entry: SportsInfluxConfigEntry | None = hass.config_entries.async_get_entry(
            entry_id
        )
        if entry is None or entry.domain != DOMAIN:
            raise _invalid("entry_not_found", entry_id=entry_id)
    else:
        entries = hass.config_entries.async_loaded_entries(DOMAIN)
        if len(entries) != 1:
            raise _invalid("entry_required", count=str(len(entries)))
        entry = entries[0]
    if entry.state is not ConfigEntryState.LOADED:
        raise _invalid("entry_not_loaded", title=entry.title)
    return entry


def _not_for_league(
    data: Mapping[str, Any], league: League, names: tuple[str, ...]
) -> None:
    if wrong := sorted(name for name in names if name in data):
        raise _invalid("field_not_for_league", fields=", ".join(wrong), league=league)


def _season(data: Mapping[str, Any], league: League, when: datetime) -> int:
    season: int = data.get("season") or season_of(league, when)
    return season


def _only(data: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {name: data.get(name) for name in names}


def _score(data: Mapping[str, Any], now: datetime) -> list[NflScore | NhlScore]:
    league: League = data["league"]
    home, away = data["home_team"], data["away_team"]
    if home == away:
        raise _invalid("same_team", team=home)
    _not_for_league(data, league, _NHL_ONLY if league is League.NFL else _NFL_ONLY)
    when: datetime = data.get("time") or now
    common: dict[str, Any] = {
        "game_id": data.get("game_id") or synthetic_game_id(league, when, away, home),
        "season": _season(data, league, when),
        "season_type": data.get("season_type"),
        "home_team": home,
        "away_team": away,
        "status": canonical_status(data["status"], data["status"]),
        "source_status": data["status"],
        "home_score": data["home_score"],
        "away_score": data["away_score"],
        "time_remaining": data.get("time_remaining"),
        "time": when,
    }
    if league is League.NFL:
        return [
            NflScore(
                **common,
                quarter=data.get("period"),
                **_only(data, _NFL_ONLY),
            )
        ]
    return [
        NhlScore(
            **common,
            period=data.get("period"),
            **_only(data, _NHL_ONLY),
        )
    ]


# Standing's own attributes; any other field goes to ``extra``.
_STANDING_ATTRS = frozenset(
    {
        "team",
        "wins",
        "losses",
        "conference",
        "division",
        "ties",
        "ot_losses",
        "points",
        "win_percentage",
    }
)


def _standings(data: Mapping[str, Any], now: datetime) -> list[Standing]:
    league: League = data["league"]
    fields = (NFL_STANDINGS if league is League.NFL else NHL_STANDINGS).fields
    records = []
    for item in data["standings"]:
        _not_for_league(
            item,
            league,
            tuple(k for k in item if k not in fields and k not in _STANDING_TAGS),
        )
        records.append(
            Standing(
                league=league,
                season=data["season"],
                team=item["team"],
                wins=item["wins"],
                losses=item["losses"],
                conference=item.get("conference"),
                division=item.get("division"),
                ties=item.get("ties"),
                ot_losses=item.get("ot_losses"),
                points=item.get("points"),
                win_percentage=item.get("win_percentage"),
                extra={k: v for k, v in item.items() if k not in _STANDING_ATTRS},
                time=data.get("time") or now,
            )
        )
    return records


def _injuries(data: Mapping[str, Any], now: datetime) -> list[InjuryReport]:
    when: datetime = data.get("time") or now
    season = data.get("season") or season_of(League.NFL, when)
    return [InjuryReport(**item, season=season, time=when) for item in data["injuries"]]


def _player_stats(data: Mapping[str, Any], now: datetime) -> list[PlayerStats]:
    league: League = data["league"]
    when: datetime = data.get("time") or now
    return [
        PlayerStats(
            league=league,
            game_id=data.get("game_id"),
            season=_season(data, league, when),
            week=data.get("week"),
            time=when,
            **item,
        )
        for item in data["players"]
    ]


async def _async_pause(index: int) -> None:
    """Give the loop back between chunks of a long list."""
    if index and not index % ACTION_CHUNK:
        await asyncio.sleep(0)


async def _async_items(
    data: Mapping[str, Any], key: str, schema: vol.Schema
) -> dict[str, Any]:
    """``data`` with its list ``key`` validated item by item, in chunks."""
    items = []
    for index, item in enumerate(data[key]):
        await _async_pause(index)
        try:
            items.append(schema(item))
        except vol.Invalid as err:
            where = vol.Invalid(err.msg, path=[key, index, *err.path])
            raise _invalid("invalid_action_data", error=str(where)) from err
    return {**data, key: items}


async def _async_write(
    entry: SportsInfluxConfigEntry, records: Sequence[Record], now: datetime
) -> None:
    """Queue records, all or none: each is checked against the schema first."""
    for index, record in enumerate(records):
        await _async_pause(index)
        try:
            check(record, now)
        except InvalidRecordError as err:
            raise _invalid(
                "invalid_record",
                measurement=measurement_for(record).name,
                error=str(err),
            ) from err
    writer = entry.runtime_data.writer
    for start in range(0, len(records), ACTION_CHUNK):
        await _async_pause(start)
        writer.async_enqueue(records[start : start + ACTION_CHUNK])


type _Builder = Callable[[Mapping[str, Any], datetime], Sequence[Record]]
type _Handler = Callable[[ServiceCall], Awaitable[ServiceResponse]]

# The list each write action carries and the schema of one of its items.
_ITEMS: dict[str, tuple[str, vol.Schema]] = {
    SERVICE_WRITE_STANDINGS: ("standings", _STANDING),
    SERVICE_WRITE_INJURY_REPORT: ("injuries", _INJURY),
    SERVICE_WRITE_PLAYER_STATS: ("players", _PLAYER),
}


def _register_admin(
    hass: HomeAssistant,
    service: str,
    handler: _Handler,
    schema: vol.Schema,
    supports_response: SupportsResponse = SupportsResponse.NONE,
) -> None:
    """Register an action only administrators may call.

    The actions use the entry's token, which can read and write the server:
    as ``async_register_admin_service``, which cannot return a response.
    """

    async def checked(call: ServiceCall) -> ServiceResponse:
        if user_id := call.context.user_id:
            user = await hass.auth.async_get_user(user_id)
            if user is None:
                raise UnknownUser(context=call.context)
            if not user.is_admin:
                raise Unauthorized(context=call.context)
        return await handler(call)

    hass.services.async_register(
        DOMAIN,
        service,
        checked,
        schema=_translated(schema),
        supports_response=supports_response,
    )


def _register_writer(
    hass: HomeAssistant, service: str, schema: vol.Schema, build: _Builder
) -> None:
    async def handle(call: ServiceCall) -> None:
        entry = _entry(hass, call)
        now = dt_util.utcnow()
        if service not in _ITEMS:
            await _async_write(entry, build(call.data, now), now)
            return
        key, schema = _ITEMS[service]
        data = await _async_items(call.data, key, schema)
        items = data[key]
        records: list[Record] = []
        for start in range(0, len(items), ACTION_CHUNK):
            await _async_pause(start)
            records.extend(
                build({**data, key: items[start : start + ACTION_CHUNK]}, now)
            )
        await _async_write(entry, records, now)

    _register_admin(hass, service, handle, schema)


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the actions (once, at integration setup)."""
    _register_writer(hass, SERVICE_WRITE_SCORE, WRITE_SCORE_SCHEMA, _score)
    _register_writer(hass, SERVICE_WRITE_STANDINGS, WRITE_STANDINGS_SCHEMA, _standings)
    _register_writer(
        hass, SERVICE_WRITE_INJURY_REPORT, WRITE_INJURY_REPORT_SCHEMA, _injuries
    )
    _register_writer(
        hass, SERVICE_WRITE_PLAYER_STATS, WRITE_PLAYER_STATS_SCHEMA, _player_stats
    )

    async def flush(call: ServiceCall) -> None:
        await _async_flush(_entry(hass, call))

    _register_admin(hass, SERVICE_FLUSH, flush, FLUSH_SCHEMA)
    _register_admin(
        hass,
        SERVICE_QUERY,
        partial(_async_query, hass),
        QUERY_SCHEMA,
        SupportsResponse.ONLY,
    )

    async def backfill(call: ServiceCall) -> None:
        await _async_backfill(hass, _entry(hass, call), call.data)

    _register_admin(hass, SERVICE_BACKFILL, backfill, BACKFILL_SCHEMA)


async def _async_flush(entry: SportsInfluxConfigEntry) -> None:
    """Write what is queued; raise when some of it is still not written.

    The states received so far are written too, not only those read: the
    writer's flush drains the listener first. Points the server did not
    take wait for a retry or in the outbox: nothing is lost, but the caller
    (a script that reads the data back next) is told.
    """
    writer = entry.runtime_data.writer
    await writer.async_flush()
    stats = writer.stats
    if stats.queue_depth or stats.outbox_points:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="flush_incomplete",
            translation_placeholders={
                "queued": str(stats.queue_depth),
                "outbox": str(stats.outbox_points),
                "error": stats.last_error or "-",
            },
        )


async def _async_backfill(
    hass: HomeAssistant, entry: SportsInfluxConfigEntry, data: Mapping[str, Any]
) -> None:
    """Check the window and the recorder, then backfill (one at a time)."""
    if "recorder" not in hass.config.components:
        raise _invalid("recorder_not_loaded")
    data_ = entry.runtime_data
    now = dt_util.utcnow()
    recorder = get_instance(hass)
    start: datetime = dt_util.as_utc(
        data.get("start") or now - timedelta(days=recorder.keep_days)
    )
    end: datetime = dt_util.as_utc(data.get("end") or now)
    if start >= end:
        raise _invalid("invalid_window", start=start.isoformat(), end=end.isoformat())
    entity_ids: list[str] = data.get("entity_id") or data_.listener.followed
    if not entity_ids:
        raise _invalid("nothing_to_backfill")
    if data_.backfill_lock.locked():
        raise _invalid("backfill_running")
    writer = data_.writer

    def progress(value: float) -> None:
        writer.stats.set_backfill_progress(value)
        writer.async_notify()

    async with data_.backfill_lock:
        await async_backfill(hass, writer, entity_ids, start, end, progress=progress)


async def _async_query(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    """Run a read query; rows come back as the response."""
    data = call.data
    query: str = data["query"]
    entry = _entry(hass, call)
    client = entry.runtime_data.client
    kind = entry.runtime_data.server.kind
    language: QueryLanguage = data.get("language") or client.query_language
    # Only the entry's own databases: the token may read others.
    own = sorted({route.database for route in client.routes().values()})
    try:
        check_query(query, language, own)
    except QueryNotAllowedError as err:
        raise _invalid(err.key, **err.placeholders) from err
    try:
        result = await client.async_query(
            query,
            language,
            data["retention"],
            limit=data["limit"],
            time_limit=data["timeout"],
        )
    except UnsupportedQueryError as err:
        raise _invalid(
            "query_language_unsupported", language=language, server=str(kind)
        ) from err
    except InvalidAuthError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN, translation_key="invalid_auth"
        ) from err
    except CannotConnectError as err:
        key, placeholders = (
            ("query_timeout", {"seconds": f"{data['timeout']:g}"})
            if isinstance(err.__cause__, TimeoutError)
            else ("cannot_connect", {"host": without_userinfo(client.host)})
        )
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key=key,
            translation_placeholders=placeholders,
        ) from err
    except QueryError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="query_failed",
            translation_placeholders={"error": str(err)},
        ) from err
    return result.as_response()
