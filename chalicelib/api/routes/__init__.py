"""The API's routes by area; importing this package registers them on chalicelib.api.routing.app."""

from chalicelib.api.routes import billing, codes, contracts, documents, lifecycle, obligations, signing, verify

__all__ = ["billing", "codes", "contracts", "documents", "lifecycle", "obligations", "signing", "verify"]
