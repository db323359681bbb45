"""moto in server mode with every request serialized.

moto's server handles requests on several threads and its TransactWriteItems is not atomic under concurrent
requests; one lock around the WSGI app makes each AWS call atomic, as DynamoDB's are.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server


class SerializedApp:
    def __init__(self, app: Any) -> None:
        self._app = app
        self._lock = threading.Lock()
        self.requests = 0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        with self._lock:
            self.requests += 1
            # Materialize the body inside the lock: the backend work happens while it is produced.
            body = list(self._app(environ, start_response))
            _forget_dynamodb_garbage()
            return body


def _forget_dynamodb_garbage() -> None:
    """Keep a long-running stack small. moto copies a whole table for every transaction and remembers every
    model object it ever made (for its dashboard) and every shard iterator it handed out; none is freed, so
    memory and /moto-api/data.json grew without bound. Tables, items and stream records are untouched."""
    from moto.core.model_instances import model_data

    for service in ("dynamodb", "dynamodbstreams"):
        for model in model_data.get(service, {}).values():
            tracked = getattr(model, "instances_tracked", None)
            if tracked:
                tracked.clear()
    from moto.dynamodbstreams.models import dynamodbstreams_backends

    for account in list(dynamodbstreams_backends.keys()):
        for region in list(dynamodbstreams_backends[account].keys()):
            iterators = dynamodbstreams_backends[account][region].shard_iterators
            if len(iterators) > 64:
                for arn in list(iterators)[:-64]:
                    del iterators[arn]


def keep_stream_shards_on_cancel() -> None:
    """A cancelled TransactWriteItems must leave no trace in a table's stream, as in DynamoDB. moto applies the
    transaction's items one by one (each adding its stream record to the table's shard) and, when one fails,
    puts back a deep copy of the table taken before, with a new shard object. A shard iterator handed out
    before the transaction still points at the old shard, which holds the cancelled writes' records: a stream
    reader whose GetShardIterator and GetRecords fell either side of a cancelled transaction was given a commit
    that never happened (the local notifier then sent a second, identical 催款函 for a losing overdue run's
    event). Here the old shard stays the table's shard, cut back to the records it had before the transaction.
    Applied once per process; only the local stack's moto server uses it."""
    from moto.dynamodb.models import DynamoDBBackend

    original = DynamoDBBackend.transact_write_items
    if getattr(original, "keeps_stream_shards", False):
        return

    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        shards = {
            name: (table.stream_shard, len(table.stream_shard.items))
            for name, table in self.tables.items()
            if table.stream_shard is not None
        }
        try:
            original(self, transact_items)
        except Exception:
            for name, (shard, length) in shards.items():
                table = self.tables.get(name)
                if table is not None and table.stream_shard is not shard:
                    del shard.items[length:]
                    shard.table = table
                    table.stream_shard = shard
            raise

    transact_write_items.keeps_stream_shards = True  # type: ignore[attr-defined]
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


class SerializedMotoServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        import logging

        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per AWS call drowns the API's log
        keep_stream_shards_on_cancel()
        self.app = SerializedApp(DomainDispatcherApplication(create_backend_app))
        self._server: BaseWSGIServer = make_server(host, port, self.app, threaded=True)
        self.host = host
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> SerializedMotoServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description="moto server with serialized requests")
    parser.add_argument("--port", type=int, default=5000)
    args = parser.parse_args()
    server = SerializedMotoServer(port=args.port).start()
    print(f"moto (serialized) on {server.url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
