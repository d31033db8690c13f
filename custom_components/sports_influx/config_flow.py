"""Config flow: user, reauth, reconfigure and options."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import voluptuous as vol

from homeassistant.config_entries import (
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.const import CONF_HOST, CONF_TOKEN, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant, callback
from homeassistant.data_entry_flow import AbortFlow
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    EntitySelector,
    EntitySelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from .const import (
    CONF_BATCH_SIZE,
    CONF_DATABASE,
    CONF_ENTITIES,
    CONF_FLUSH_INTERVAL,
    CONF_OUTBOX_MAX_MB,
    CONF_V2_BUCKETS,
    CONF_V3_DATABASES,
    DEFAULT_BATCH_SIZE,
    DEFAULT_FLUSH_INTERVAL,
    DEFAULT_OUTBOX_MAX_MB,
    DOMAIN,
    LOGGER,
)
from .influx import (
    CannotConnectError,
    DatabaseNotFoundError,
    InfluxClient,
    InvalidAuthError,
    ServerKind,
    normalize_host,
)
from .models import SportsInfluxConfigEntry

_URL = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))
_PASSWORD = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))


def _connection_schema(defaults: Mapping[str, Any]) -> vol.Schema:
    return vol.Schema(
        {
            vol.Required(CONF_HOST, default=defaults.get(CONF_HOST, "")): _URL,
            vol.Required(CONF_TOKEN, default=defaults.get(CONF_TOKEN, "")): _PASSWORD,
            vol.Required(
                CONF_DATABASE, default=defaults.get(CONF_DATABASE, "home_assistant")
            ): str,
            vol.Required(
                CONF_VERIFY_SSL, default=defaults.get(CONF_VERIFY_SSL, True)
            ): bool,
        }
    )


# The options that name each retention class's database (3.x) or bucket (2.x).
_DESTINATION_OPTIONS = {
    ServerKind.V3: CONF_V3_DATABASES,
    ServerKind.V2: CONF_V2_BUCKETS,
}


def create_client(
    hass: HomeAssistant, data: Mapping[str, Any], options: Mapping[str, Any]
) -> InfluxClient:
    """A client for the server, token and database in ``data``.

    ``options`` name the destinations of 2.x and 3.x servers (none while the
    config flow asks for the connection).
    """
    verify_ssl = data.get(CONF_VERIFY_SSL, True)
    return InfluxClient(
        async_get_clientsession(hass, verify_ssl=verify_ssl),
        data[CONF_HOST],
        data[CONF_TOKEN],
        data[CONF_DATABASE],
        verify_ssl=verify_ssl,
        names={
            kind: {cls: name for cls, key in keys.items() if (name := options.get(key))}
            for kind, keys in _DESTINATION_OPTIONS.items()
        },
    )


def _unique_id(data: Mapping[str, Any]) -> str:
    return f"{normalize_host(data[CONF_HOST])}/{data[CONF_DATABASE]}"


def entry_title(data: Mapping[str, Any]) -> str:
    """``database on host``, without any user info the host holds."""
    return f"{data[CONF_DATABASE]} on {without_userinfo(data[CONF_HOST])}"


def without_userinfo(host: str) -> str:
    """The URL with ``user:password@`` left out."""
    scheme, sep, rest = host.partition("://")
    netloc, slash, path = rest.partition("/")
    if "@" not in netloc:
        return host
    return f"{scheme}{sep}{netloc.rpartition('@')[2]}{slash}{path}"


def _has_userinfo(host: str) -> bool:
    try:
        parts = urlsplit(host)
    except ValueError:
        return "@" in host
    return parts.username is not None or parts.password is not None


def _box(maximum: int, unit: str | None = None) -> NumberSelector:
    """Whole numbers from 1 to ``maximum``, typed in a box."""
    config = NumberSelectorConfig(min=1, max=maximum, mode=NumberSelectorMode.BOX)
    if unit is not None:
        config["unit_of_measurement"] = unit
    return NumberSelector(config)


# The options that are numbers: key, default, and how they are asked for.
_NUMBER_OPTIONS = (
    (CONF_BATCH_SIZE, DEFAULT_BATCH_SIZE, _box(5000)),
    (CONF_FLUSH_INTERVAL, DEFAULT_FLUSH_INTERVAL, _box(300, "s")),
    (CONF_OUTBOX_MAX_MB, DEFAULT_OUTBOX_MAX_MB, _box(10000, "MB")),
)


class SportsInfluxConfigFlow(ConfigFlow, domain=DOMAIN):
    """Connect to an InfluxDB server."""

    VERSION = 1
    # 2: hosts normalised in unique ids, entities keyed by the entry id.
    MINOR_VERSION = 2

    def _host_errors(self, user_input: dict[str, Any]) -> dict[str, str]:
        """Normalise the host; refuse credentials in it (they belong in the token).

        A URL's user info would show in the entry's title and unique id.
        """
        user_input[CONF_HOST] = normalize_host(user_input[CONF_HOST])
        if _has_userinfo(user_input[CONF_HOST]):
            user_input[CONF_HOST] = without_userinfo(user_input[CONF_HOST])
            return {CONF_HOST: "credentials_in_url"}
        return {}

    def _abort_if_database_configured(self, user_input: Mapping[str, Any]) -> None:
        """One entry per server and database, however the host was spelled."""
        host = user_input[CONF_HOST]
        for entry in self._async_current_entries(include_ignore=False):
            if (
                normalize_host(entry.data.get(CONF_HOST, "")) == host
                and entry.data.get(CONF_DATABASE) == user_input[CONF_DATABASE]
            ):
                raise AbortFlow("already_configured")

    async def _async_validate(self, data: Mapping[str, Any]) -> dict[str, str]:
        """Try the server; return errors keyed by the field that caused them."""
        client = create_client(self.hass, data, {})
        try:
            await client.async_validate()
        except CannotConnectError:
            return {CONF_HOST: "cannot_connect"}
        except InvalidAuthError:
            return {CONF_TOKEN: "invalid_auth"}
        except DatabaseNotFoundError:
            return {CONF_DATABASE: "database_not_found"}
        except Exception:  # noqa: BLE001 - shown as "unknown", logged for the report
            LOGGER.exception("Unexpected error validating the InfluxDB connection")
            return {"base": "unknown"}
        return {}

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the server, token and database."""
        errors: dict[str, str] = {}
        if user_input is not None and not (errors := self._host_errors(user_input)):
            self._abort_if_database_configured(user_input)
            if not (errors := await self._async_validate(user_input)):
                await self.async_set_unique_id(_unique_id(user_input))
                self._abort_if_unique_id_configured()
                return self.async_create_entry(
                    title=entry_title(user_input), data=user_input
                )
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(
                _connection_schema({}), user_input or {}
            ),
            errors=errors,
        )

    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """The token was refused."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for a new token."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {**entry.data, CONF_TOKEN: user_input[CONF_TOKEN]}
            if not (errors := await self._async_validate(data)):
                return self.async_update_reload_and_abort(
                    entry, data_updates={CONF_TOKEN: user_input[CONF_TOKEN]}
                )
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=vol.Schema({vol.Required(CONF_TOKEN): _PASSWORD}),
            description_placeholders={
                "host": without_userinfo(entry.data[CONF_HOST]),
                "database": entry.data[CONF_DATABASE],
            },
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the server, token or database."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = self._host_errors(user_input) or await self._async_validate(
                user_input
            )
            if not errors:
                new_id = _unique_id(user_input)
                if new_id != entry.unique_id:
                    await self.async_set_unique_id(new_id)
                    self._abort_if_unique_id_configured()
                return self.async_update_reload_and_abort(
                    entry,
                    unique_id=new_id,
                    title=entry_title(user_input),
                    data_updates=user_input,
                )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=_connection_schema(user_input or entry.data),
            errors=errors,
        )

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: SportsInfluxConfigEntry) -> OptionsFlow:
        """Followed sensors, batching and destinations."""
        return OptionsFlowHandler()


class OptionsFlowHandler(OptionsFlow):
    """Followed sensors, batching and destinations, applied by reloading."""

    def _destination_keys(self) -> tuple[ServerKind | None, dict[str, str]]:
        """The option key and current name of each destination to ask for.

        Only a loaded entry knows its server: 3.x asks for databases, 2.x
        for buckets, 1.x for nothing (its retention policies are fixed).
        """
        entry = self.config_entry
        if entry.state is not ConfigEntryState.LOADED:
            return None, {}
        client = entry.runtime_data.client
        kind = entry.runtime_data.server.kind
        if kind not in _DESTINATION_OPTIONS:
            return kind, {}
        routes = client.routes()
        return kind, {
            key: routes[cls].database for cls, key in _DESTINATION_OPTIONS[kind].items()
        }

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Followed sensors, batch size, flush interval, destinations."""
        _, destinations = self._destination_keys()
        errors: dict[str, str] = {}
        if user_input is not None:
            names = {key: str(user_input[key]).strip() for key in destinations}
            for key, name in names.items():
                if not self.config_entry.runtime_data.client.valid_name(name):
                    errors[key] = "invalid_database_name"
            if not errors:
                return self.async_create_entry(
                    data={
                        **self.config_entry.options,
                        CONF_ENTITIES: list(user_input.get(CONF_ENTITIES, [])),
                        **{
                            key: int(user_input.get(key, default))
                            for key, default, _ in _NUMBER_OPTIONS
                        },
                        **names,
                    }
                )
        options = self.config_entry.options
        fields: dict[vol.Marker, Any] = {
            vol.Optional(
                CONF_ENTITIES, default=options.get(CONF_ENTITIES, [])
            ): EntitySelector(EntitySelectorConfig(domain="sensor", multiple=True)),
        }
        for key, default, selector in _NUMBER_OPTIONS:
            fields[vol.Required(key, default=options.get(key, default))] = selector
        for key, name in destinations.items():
            fields[vol.Required(key, default=name)] = str
        schema = vol.Schema(fields)
        if user_input is not None:
            schema = self.add_suggested_values_to_schema(schema, user_input)
        return self.async_show_form(step_id="init", data_schema=schema, errors=errors)
