"""What every source parser returns or raises.

A parser turns one ``State`` into records. Two outcomes only:

- a ``ParseResult``: the records made, plus one reason slug per entry of a
  multi-record payload that was left out (a standings row without wins, a
  player without a usable stat line). Single-record sources never fill
  ``skipped``: they either make their record or raise.
- ``SkipRecord``: the whole state yields nothing (unavailable sensor, no
  game, unknown league, malformed payload).

Callers count ``SkipRecord.reason`` and ``ParseResult.skipped`` per slug;
the slugs are the stable values of ``Reason``.
"""

from __future__ import annotations

from enum import StrEnum

from ..records import Record, record


class Reason(StrEnum):
    """Why a state or an entry produced no record."""

    UNAVAILABLE = "unavailable"
    NOT_A_GAME = "not_a_game"
    UNKNOWN_STATE = "unknown_state"
    UNKNOWN_LEAGUE = "unknown_league"
    # A sport without a measurement (Australian football, rugby).
    UNKNOWN_SPORT = "unknown_sport"
    UNKNOWN_TEAM = "unknown_team"
    MISSING_ATTRIBUTE = "missing_attribute"
    BAD_SCORE = "bad_score"
    BAD_DATE = "bad_date"
    BAD_VALUE = "bad_value"
    NO_STATS = "no_stats"
    NO_FIELDS = "no_fields"
    MALFORMED_PAYLOAD = "malformed_payload"


class SkipRecord(Exception):  # noqa: N818 - a skip, not an error: no "Error" suffix
    """Nothing to write for this state (or entry); ``reason`` says why."""

    def __init__(self, reason: Reason) -> None:
        """Keep the reason slug; it is also the message."""
        super().__init__(reason.value)
        self.reason: str = reason.value


@record  # made for every parsed state: immutable to mypy, fast to build
class ParseResult:
    """Records made from one state and the reasons entries were left out."""

    records: tuple[Record, ...]
    skipped: tuple[str, ...] = ()

    @classmethod
    def one(cls, record: Record) -> ParseResult:
        """The result of a single-record source."""
        return cls(records=(record,))
