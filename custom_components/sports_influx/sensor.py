"""Diagnostic sensors: the writer's statistics."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

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


def _counter(
    key: str, value_fn: Callable[[WriteStatistics], int], *, enabled: bool = True
) -> StatisticsSensorDescription:
    return StatisticsSensorDescription(
        key=key,
        translation_key=key,
        entity_category=EntityCategory.DIAGNOSTIC,
        state_class=SensorStateClass.TOTAL_INCREASING,
        entity_registry_enabled_default=enabled,
        value_fn=value_fn,
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
    StatisticsSensorDescription(
        key="skipped",
        translation_key="skipped",
        entity_category=EntityCategory.DIAGNOSTIC,
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=lambda s: s.skipped.total(),
        attrs_fn=lambda s: dict(s.skipped),
    ),
    StatisticsSensorDescription(
        key="success_rate",
        translation_key="success_rate",
        entity_category=EntityCategory.DIAGNOSTIC,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=1,
        value_fn=lambda s: s.success_rate,
    ),
    StatisticsSensorDescription(
        key="average_write_time",
        translation_key="average_write_time",
        entity_category=EntityCategory.DIAGNOSTIC,
        device_class=SensorDeviceClass.DURATION,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfTime.MILLISECONDS,
        suggested_display_precision=1,
        value_fn=lambda s: s.average_write_time,
    ),
    StatisticsSensorDescription(
        key="queue_depth",
        translation_key="queue_depth",
        entity_category=EntityCategory.DIAGNOSTIC,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda s: s.queue_depth,
    ),
    StatisticsSensorDescription(
        key="outbox_points",
        translation_key="outbox_points",
        entity_category=EntityCategory.DIAGNOSTIC,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda s: s.outbox_points,
    ),
    StatisticsSensorDescription(
        key="outbox_bytes",
        translation_key="outbox_bytes",
        entity_category=EntityCategory.DIAGNOSTIC,
        device_class=SensorDeviceClass.DATA_SIZE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfInformation.BYTES,
        suggested_unit_of_measurement=UnitOfInformation.KILOBYTES,
        suggested_display_precision=0,
        entity_registry_enabled_default=False,
        value_fn=lambda s: s.outbox_bytes,
    ),
    _counter("rejected", lambda s: s.rejected),
    _counter("dropped", lambda s: s.dropped),
    _counter("outbox_damaged", lambda s: s.outbox_damaged),
    _counter("outbox_unspooled", lambda s: s.outbox_unspooled),
    StatisticsSensorDescription(
        key="backfill_progress",
        translation_key="backfill_progress",
        entity_category=EntityCategory.DIAGNOSTIC,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=PERCENTAGE,
        suggested_display_precision=0,
        entity_registry_enabled_default=False,
        value_fn=lambda s: s.backfill_progress,
    ),
    StatisticsSensorDescription(
        key="last_success",
        translation_key="last_success",
        entity_category=EntityCategory.DIAGNOSTIC,
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda s: s.last_success,
    ),
    StatisticsSensorDescription(
        key="last_error",
        translation_key="last_error",
        entity_category=EntityCategory.DIAGNOSTIC,
        # A free-text message can exceed the 255-character state limit.
        value_fn=lambda s: s.last_error[:255] if s.last_error else None,
    ),
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
