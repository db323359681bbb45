"""The API's routes by area; importing this package registers them on chalicelib.api.routing.app."""

from chalicelib.api.routes import billing, contracts, documents, lifecycle, obligations, signing

__all__ = ["billing", "contracts", "documents", "lifecycle", "obligations", "signing"]
