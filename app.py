"""Hetong HTTP API (Chalice): thin routes that parse, authorize, call one service and shape the reply.

The routes live by area in chalicelib/api/routes/; this module is what Chalice loads (`app`)."""

from __future__ import annotations

from chalicelib.api import routes
from chalicelib.api.routing import BODY_MODELS, app

__all__ = ["BODY_MODELS", "app", "routes"]
