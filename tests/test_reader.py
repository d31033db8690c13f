"""StateReader: what it does with states no source reads, or reads badly."""

from __future__ import annotations

from datetime import datetime

import pytest

from custom_components.sports_influx.reader import Deduper, StateReader
from custom_components.sports_influx.sources import ParseResult, Source
from homeassistant.core import State

from .factories import nfl_score, state


def _reader() -> tuple[StateReader, list[tuple[str, str]]]:
    skipped: list[tuple[str, str]] = []
    return StateReader(Deduper(), lambda e, r: skipped.append((e, r))), skipped


def test_a_state_no_source_recognises_is_skipped() -> None:
    """Counted as unrecognized; no record."""
    reader, skipped = _reader()
    assert reader.read(state("sensor.weather", "sunny", {"temperature": 3})) == []
    assert skipped == [("sensor.weather", "unrecognized")]


def test_a_parser_bug_is_a_skip_not_an_exception(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A parser that raises costs its state only: logged, counted, and the
    next state of the batch is still read."""
    good = nfl_score(1)

    def parse(current: State, _now: datetime) -> ParseResult:
        if current.state == "bad":
            raise ZeroDivisionError
        return ParseResult(records=(good,), skipped=("no_team",))

    reader, skipped = _reader()
    reader.kinds["sensor.game"] = Source("broken", lambda _s: True, parse)
    states = [state("sensor.game", "bad", {}), state("sensor.game", "good", {})]
    assert reader.read_all(states) == [good]
    assert skipped == [("sensor.game", "parser_error"), ("sensor.game", "no_team")]
    assert "Could not read sensor.game as broken" in caplog.text
