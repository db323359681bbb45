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


class SerializedMotoServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        import logging

        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per AWS call drowns the API's log
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
