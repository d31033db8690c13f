"""Config flow: every path, each error followed by a successful retry.

Real servers answer: the InfluxDB 1.x stack, and for InfluxDB 3 auth and
database rules the local server following the InfluxDB 3 Core API reference
(influxdb3-core-openapi.yaml: GET /ping, GET|POST /api/v3/configure/database,
401 Unauthorized on every route without a valid Bearer token).
"""

from __future__ import annotations

from unittest.mock import AsyncMock, patch

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sports_influx.const import (
    CONF_BATCH_SIZE,
    CONF_DATABASE,
    CONF_ENTITIES,
    CONF_FLUSH_INTERVAL,
    CONF_OUTBOX_MAX_MB,
    DOMAIN,
)
from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import CONF_HOST, CONF_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from .conftest import select
from .factories import entry_data

pytestmark = pytest.mark.usefixtures("mock_setup_entry")

CLOSED_PORT_URL = "http://127.0.0.1:9"  # discard port: nothing listens


async def test_user_flow_v1_creates_database(hass: HomeAssistant, stack) -> None:
    """A 1.x server: the missing database is created, the entry made."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], entry_data(stack.url + "/", "t", "flow_db")
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == f"flow_db on {stack.url}"
    assert result["data"] == entry_data(stack.url, "t", "flow_db")
    assert result["result"].unique_id == f"{stack.url}/flow_db"
    names = select(stack, "", "SHOW DATABASES")
    assert {"name": "flow_db"} in names
    stack.drop_database("flow_db")


async def test_user_flow_cannot_connect_then_recovers(
    hass: HomeAssistant, stack, database: str
) -> None:
    """Unreachable host: error on the host field; fixed host succeeds."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], entry_data(CLOSED_PORT_URL, "t", database)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_HOST: "cannot_connect"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], entry_data(stack.url, "t", database)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_user_flow_not_influxdb(
    hass: HomeAssistant, stack, database: str
) -> None:
    """A server without an InfluxDB version header is not InfluxDB."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    # /nothing/ping is not InfluxDB's /ping: 404.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], entry_data(f"{stack.url}/nothing", "t", database)
    )
    assert result["errors"] == {CONF_HOST: "cannot_connect"}


async def test_user_flow_v3_invalid_auth_then_recovers(
    hass: HomeAssistant, fake_v3
) -> None:
    """influxdb3-core-openapi.yaml GET /ping: 401 without a valid token."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], entry_data(fake_v3.url, "wrong", "sports")
    )
    assert result["errors"] == {CONF_TOKEN: "invalid_auth"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], entry_data(fake_v3.url, fake_v3.token, "sports")
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    # POST /api/v3/configure/database created it.
    assert "sports" in fake_v3.databases


async def test_user_flow_v3_database_not_creatable(
    hass: HomeAssistant, fake_v3
) -> None:
    """A token that may not create databases: error on the database field."""
    fake_v3.allow_create = False
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], entry_data(fake_v3.url, fake_v3.token, "sports")
    )
    assert result["errors"] == {CONF_DATABASE: "database_not_found"}

    fake_v3.allow_create = True
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], entry_data(fake_v3.url, fake_v3.token, "sports")
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_user_flow_unknown_error(
    hass: HomeAssistant, stack, database: str
) -> None:
    """An unexpected exception shows `unknown` and is logged."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    with patch(
        "custom_components.sports_influx.config_flow.InfluxClient.async_validate",
        AsyncMock(side_effect=RuntimeError("boom")),
    ):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], entry_data(stack.url, "t", database)
        )
    assert result["errors"] == {"base": "unknown"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], entry_data(stack.url, "t", database)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_user_flow_already_configured(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, stack, database: str
) -> None:
    """The same database on the same server is configured once."""
    mock_config_entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], entry_data(stack.url, "t", database)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_reauth_flow(hass: HomeAssistant, fake_v3) -> None:
    """A refused token is replaced; a wrong one first shows invalid_auth."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=f"{fake_v3.url}/sports",
        data=entry_data(fake_v3.url, "old", "sports"),
    )
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_TOKEN: "still-wrong"}
    )
    assert result["errors"] == {CONF_TOKEN: "invalid_auth"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_TOKEN: fake_v3.token}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_TOKEN] == fake_v3.token


async def test_reconfigure_flow(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, stack, database: str
) -> None:
    """Moving to another database updates the entry and its unique id."""
    mock_config_entry.add_to_hass(hass)
    result = await mock_config_entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], entry_data(CLOSED_PORT_URL, "t", database)
    )
    assert result["errors"] == {CONF_HOST: "cannot_connect"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], entry_data(stack.url, "t", "moved_db")
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert mock_config_entry.data[CONF_DATABASE] == "moved_db"
    assert mock_config_entry.unique_id == f"{stack.url}/moved_db"
    stack.drop_database("moved_db")


async def test_reconfigure_to_configured_database_aborts(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, stack, database: str
) -> None:
    """Two entries may not point at the same database."""
    mock_config_entry.add_to_hass(hass)
    other = MockConfigEntry(
        domain=DOMAIN,
        unique_id=f"{stack.url}/other_db",
        data=entry_data(stack.url, "t", "other_db"),
    )
    other.add_to_hass(hass)
    result = await mock_config_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], entry_data(stack.url, "t", "other_db")
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    stack.drop_database("other_db")


async def test_options_flow(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """Batching knobs are stored as integers in the options."""
    mock_config_entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(mock_config_entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_BATCH_SIZE: 250.0, CONF_FLUSH_INTERVAL: 30.0}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert mock_config_entry.options == {
        CONF_ENTITIES: [],
        CONF_BATCH_SIZE: 250,
        CONF_FLUSH_INTERVAL: 30,
        CONF_OUTBOX_MAX_MB: 50,
    }


async def test_credentials_in_url_are_refused(
    hass: HomeAssistant, stack, database: str, caplog: pytest.LogCaptureFixture
) -> None:
    """User info in the URL: a field error; they go in the token field."""
    netloc = stack.url.partition("://")[2]
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        entry_data(f"http://household:hunter2pass@{netloc}", "", database),
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_HOST: "credentials_in_url"}
    # The form comes back without them.
    assert "hunter2pass" not in str(result)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], entry_data(stack.url, "household:hunter2pass", database)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    assert entry.title == f"{database} on {stack.url}"
    assert entry.unique_id == f"{stack.url}/{database}"
    assert entry.data[CONF_HOST] == stack.url
    assert "hunter2pass" not in caplog.text


async def test_unreadable_url_with_credentials_is_refused(hass: HomeAssistant) -> None:
    """A URL the parser refuses still may not carry credentials."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], entry_data("http://u:p@[::1", "t", "db")
    )
    assert result["errors"] == {CONF_HOST: "credentials_in_url"}


async def test_reconfigure_refuses_credentials_in_url(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, stack
) -> None:
    """Reconfigure asks the same of the URL."""
    mock_config_entry.add_to_hass(hass)
    result = await mock_config_entry.start_reconfigure_flow(hass)
    netloc = stack.url.partition("://")[2]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        entry_data(f"http://u:p@{netloc}", "t", mock_config_entry.data[CONF_DATABASE]),
    )
    assert result["errors"] == {CONF_HOST: "credentials_in_url"}
    assert "u:p@" not in mock_config_entry.title
