"""The HTTP edge: request bodies as typed models (parsed into service commands) and the OpenAPI built from them."""
