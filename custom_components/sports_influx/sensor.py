"""Diagnostic sensors: the writer's statistics."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    PERCENTAGE,
    EntityCategory,
    UnitOfInformation,
    UnitOfTime,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .entity import SportsInfluxEntity
from .models import SportsInfluxConfigEntry
from .stats import WriteStatistics

# Sensors are pushed by the writer; nothing here does I/O.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class StatisticsSensorDescription(SensorEntityDescription):
    """A statistic and how to read it."""

    value_fn: Callable[[WriteStatistics], int | float | str | datetime | None]
    attrs_fn: Callable[[WriteStatistics], dict[str, int]] | None = None


def _statistic(
    key: str,
    value_fn: Callable[[WriteStatistics], int | float | str | datetime | None],
    **options: Any,
) -> StatisticsSensorDescription:
    """A diagnostic sensor named by its key's translation."""
    return StatisticsSensorDescription(
        key=key,
        translation_key=key,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=value_fn,
        **options,
    )


def _counter(
    key: str, value_fn: Callable[[WriteStatistics], int], *, enabled: bool = True
) -> StatisticsSensorDescription:
    return _statistic(
        key,
        value_fn,
        state_class=SensorStateClass.TOTAL_INCREASING,
        entity_registry_enabled_default=enabled,
    )


def _gauge(
    key: str, value_fn: Callable[[WriteStatistics], float | None], **options: Any
) -> StatisticsSensorDescription:
    return _statistic(
        key, value_fn, state_class=SensorStateClass.MEASUREMENT, **options
    )


# Enabled: what the shipped dashboard shows, and every sign of lost data
# (failed, rejected, dropped, the outbox). Disabled until a user looks for
# them: counters needed only to diagnose (records the schema refused, points
# older than their retention), the outbox's size beside its point count, and
# the backfill's progress (only moves while the backfill action runs).


SENSORS: tuple[StatisticsSensorDescription, ...] = (
    _counter("points_written", lambda s: s.points_written),
    _counter("points_failed", lambda s: s.points_failed),
    _counter("points_invalid", lambda s: s.points_invalid, enabled=False),
    _counter("expired", lambda s: s.expired, enabled=False),
    _counter("batches_written", lambda s: s.batches_written),
    _counter("retries", lambda s: s.retries),
    _statistic(
        "skipped",
        lambda s: s.skipped.total(),
        state_class=SensorStateClass.TOTAL_INCREASING,
        attrs_fn=lambda s: dict(s.skipped),
    ),
    _gauge(
        "success_rate",
        lambda s: s.success_rate,
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=1,
    ),
    _gauge(
        "average_write_time",
        lambda s: s.average_write_time,
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.MILLISECONDS,
        suggested_display_precision=1,
    ),
    _gauge("queue_depth", lambda s: s.queue_depth),
    _gauge("outbox_points", lambda s: s.outbox_points),
    _gauge(
        "outbox_bytes",
        lambda s: s.outbox_bytes,
        device_class=SensorDeviceClass.DATA_SIZE,
        native_unit_of_measurement=UnitOfInformation.BYTES,
        suggested_unit_of_measurement=UnitOfInformation.KILOBYTES,
        suggested_display_precision=0,
        entity_registry_enabled_default=False,
    ),
    _counter("rejected", lambda s: s.rejected),
    _counter("dropped", lambda s: s.dropped),
    _counter("outbox_damaged", lambda s: s.outbox_damaged),
    _counter("outbox_unspooled", lambda s: s.outbox_unspooled),
    _gauge(
        "backfill_progress",
        lambda s: s.backfill_progress,
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=0,
        entity_registry_enabled_default=False,
    ),
    _statistic(
        "last_success",
        lambda s: s.last_success,
        device_class=SensorDeviceClass.TIMESTAMP,
    ),
    # A free-text message can exceed the 255-character state limit.
    _statistic("last_error", lambda s: s.last_error[:255] if s.last_error else None),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SportsInfluxConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """One sensor per statistic."""
    async_add_entities(StatisticsSensor(entry, description) for description in SENSORS)


class StatisticsSensor(SportsInfluxEntity, SensorEntity):
    """One write statistic."""

    entity_description: StatisticsSensorDescription

    @property
    def native_value(self) -> int | float | str | datetime | None:
        """The statistic now."""
        return self.entity_description.value_fn(self._writer.stats)

    @property
    def extra_state_attributes(self) -> dict[str, int] | None:
        """Per-reason counts, where the statistic has them."""
        if (attrs_fn := self.entity_description.attrs_fn) is None:
            return None
        return attrs_fn(self._writer.stats)
