"""Compiling: a loaded spec becomes an immutable `Gateway` snapshot. The only code that walks the document.

gateway.py           operations -> routes, the route table, the pipeline, the snapshot
context.py           what the parts share while compiling (document, schemas, handlers, notices)
contracts.py         parameters, request bodies and responses of OpenAPI 3.x operations
swagger2.py          the same for Swagger 2.0 (body/formData parameters, consumes/produces)
integrations.py      `x-integration` -> an Integration (one builder a type)
aws_integrations.py  `x-amazon-apigateway-integration` -> the same (one builder a type), request validators
cloudformation.py    Lambda functions and services as `uri`s name them (ARNs, Fn::Sub, Fn::GetAtt)
authorizers.py       JWT and Lambda authorizers of `securitySchemes` / `x-gateway.authorizers`
deployment.py        deployment stages (`x-gateway.stages`) and their variables

A policy's reader (CORS, throttles, API keys, cache, gateway responses) lives with its stage.
"""

from apigw_cli.gateway.compiling.gateway import compile_gateway

__all__ = ["compile_gateway"]
