"""A local stand-in for the InfluxDB 3 Core HTTP API, for tests.

It answers as the InfluxDB 3 Core API reference documents, and each
behaviour carries a comment naming the section it follows. References
(repository influxdata/docs-v2):

- ``api-docs/influxdb3/core/influxdb3-core-openapi.yaml`` ("openapi" below,
  info.version v3.10.0).
- ``content/shared/influxdb3-write-guides/http-api/v3-write-lp.md``
  ("v3-write-lp.md": Partial writes, Response headers).
- ``content/shared/influxdb3-write-guides/http-api/compatibility-apis.md``.
- ``content/shared/influxdb3-write-guides/troubleshoot.md``.
- ``content/shared/influxdb3-admin/databases/{_index,create,list,delete}.md``.
- ``content/shared/influxdb3-internals/data-retention.md``.
- ``content/shared/v3-line-protocol.md``.
- ``content/shared/influxdb3-query-guides/execute-queries/influxdb3-api.md``
  and ``.../influxql/parameterized-queries.md``.
- ``data/products.yml`` (limits: Core 5 databases / 2000 tables / 500
  columns; Enterprise 100 / 10000 / 500).

Where the docs are silent, the answer follows the server source
(influxdata/influxdb, ``influxdb3_server/src/http.rs`` at 3.10.0-nightly,
commit d7834110), marked "source:". Where the docs contradict themselves or
the source, ``mode="docs"`` (the default) follows the docs and
``mode="source"`` follows the server source; every such place is marked
"mode:".

SQL is answered by DataFusion (PyPI ``datafusion``), the engine InfluxDB 3
runs, over the points the fake received (sql.py); InfluxQL's raw-data
SELECT is translated to SQL and run the same way (influxql.py).

Modules: ``server`` (configuration, lifecycle, routing), ``auth``, ``transport``
(HTTP), ``lineprotocol`` (parser), ``store`` (databases, tables, points),
``writes``, ``admin`` and ``queries`` (routes), ``sql`` (DataFusion),
``influxql``, ``render`` (output formats).

Using it from pytest-homeassistant-custom-component: sockets are blocked
there, so request the ``socket_enabled`` fixture, and stop the server in the
fixture's teardown (HA's ``verify_cleanup`` fails a test that leaves
threads behind)::

    @pytest.fixture
    def influxdb3(socket_enabled: None) -> Iterator[FakeInfluxDB3]:
        with FakeInfluxDB3() as server:
            yield server

Not implemented (answered 501 so that a test cannot mistake it for the real
server): Parquet output; InfluxQL beyond raw-data ``SELECT``, ``SHOW
DATABASES`` and ``SHOW RETENTION POLICIES``.
"""

from .lineprotocol import LineProtocolError, ParsedLine, parse_line
from .server import FakeInfluxDB3
from .transport import RecordedRequest

__all__ = [
    "FakeInfluxDB3",
    "LineProtocolError",
    "ParsedLine",
    "RecordedRequest",
    "parse_line",
]
