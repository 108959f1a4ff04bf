"""Compiling: a loaded spec becomes an immutable `Gateway` snapshot. The only code that walks the document.

gateway.py        paths, routes, the pipeline, the snapshot
context.py        what the parts share while compiling (document, schemas, handlers, notices)
contracts.py      parameters, request bodies and responses of OpenAPI 3.x operations
swagger2.py       the same for Swagger 2.0 (body/formData parameters, consumes/produces)
integrations.py   `x-integration` -> an Integration
aws.py            `x-amazon-apigateway-*` -> the same model
"""

from apigw_cli.gateway.compiling.gateway import build_pipeline, compile_gateway

__all__ = ["build_pipeline", "compile_gateway"]
