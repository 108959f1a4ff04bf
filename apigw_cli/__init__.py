"""apigw: a local API gateway for OpenAPI specs."""

__version__ = "0.1.0"
