"""Serves app.py locally on a threaded HTTP server, as `chalice local` does, but with the request made
thread-local: Chalice keeps `app.current_request` on the app object, which concurrent local requests would
overwrite (in Lambda each container handles one request at a time, so production is unaffected)."""

from __future__ import annotations

import argparse
import threading
from typing import Any


class _ThreadLocalAttribute:
    def __init__(self) -> None:
        self._local = threading.local()

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        if obj is None:
            return self
        return getattr(self._local, "value", None)

    def __set__(self, obj: Any, value: Any) -> None:
        self._local.value = value


def make_server(host: str, port: int) -> Any:
    from chalice.config import Config
    from chalice.local import ChaliceRequestHandler, LocalChalice, LocalDevServer, ThreadedHTTPServer

    from chalicelib.domain.links import redact_link_paths

    # socketserver's default listen backlog of 5 resets bursts of concurrent clients.
    ThreadedHTTPServer.request_queue_size = 128

    class Handler(ChaliceRequestHandler):
        def _method_not_allowed(self) -> None:
            # API Gateway answers methods it has no route for; http.server would say 501 Not Implemented.
            self._send_http_response_with_body(
                405,
                {"Content-Type": "application/json"},
                '{"error": {"code": "method_not_allowed", "message": "method not allowed"}}',
            )

        def _generic_handle(self) -> None:
            # API Gateway's identity.sourceIp is the peer of the connection; chalice local hard-codes 127.0.0.1.
            self.local_gateway.event_converter.LOCAL_SOURCE_IP = self.client_address[0]
            super()._generic_handle()

        do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _generic_handle

        def log_message(self, format: str, *args: Any) -> None:
            # Request lines name /sign/<token>: a working link must not sit in a log.
            super().log_message("%s", redact_link_paths(format % args))

        def __getattr__(self, name: str) -> Any:
            if name.startswith("do_"):  # TRACE, CONNECT, QUERY, anything http.server has no handler for
                return self._method_not_allowed
            raise AttributeError(name)

    from app import app

    class LocalApp(LocalChalice, type(app)):  # type: ignore[misc]
        pass

    app.__class__ = LocalApp
    server = LocalDevServer(app, Config.create(chalice_stage="dev", app_name="hetong"), host, port, handler_cls=Handler)
    type(app).current_request = _ThreadLocalAttribute()  # type: ignore[assignment]
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description="Hetong API on a local threaded server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--clock-file", help="serve on the local stack's movable clock (devstack.clock)")
    args = parser.parse_args()
    if args.clock_file:
        from devstack.clock import install

        install(args.clock_file)
    server = make_server(args.host, args.port)
    print(f"API on http://{args.host}:{args.port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
