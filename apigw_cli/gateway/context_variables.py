"""The managed gateway's `$context` variables for one request, as mapping templates, parameter
mappings (`context.requestId`), authorizer identity sources and gateway-response templates read
them, and the pieces Lambda events share with them (the request time, the domain, the resource id).

Names are those of the developer guide's reference (api-gateway-mapping-template-reference): what
a local gateway cannot know (an AWS account behind the caller, Cognito identities, WAF) is null.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from apigw_cli.gateway.clock import clf_time
from apigw_cli.gateway.deployment import ACCOUNT_ID, API_ID, Deployment

if TYPE_CHECKING:
    from apigw_cli.gateway.exchange import Exchange


def request_time(epoch: float) -> str:
    """CLF time (dd/MMM/yyyy:HH:mm:ss +0000), as `$context.requestTime` and events carry it."""
    return clf_time(epoch)


def resource_id(path_template: str) -> str:
    """A resource's id: six characters, the same for the same path in every process and run."""
    return hashlib.blake2b(path_template.encode(), digest_size=8).hexdigest()[:6]


def domain(exchange: Exchange) -> tuple[str, str]:
    """`domainName` (the Host header) and `domainPrefix` (its first label)."""
    host = exchange.request.header("host") or "localhost"
    return host, host.split(".", 1)[0].split(":", 1)[0]


def identity(exchange: Exchange) -> dict[str, Any]:
    key = exchange.api_key
    request = exchange.request
    signer = exchange.iam  # a SigV4-signed request to an IAM route
    return {
        "accountId": signer.account if signer else None,
        "apiKey": key.value if key else None,
        "apiKeyId": key.name if key else None,
        "caller": signer.user_id if signer else None,
        "cognitoAuthenticationProvider": None,
        "cognitoAuthenticationType": None,
        "cognitoIdentityId": None,
        "cognitoIdentityPoolId": None,
        "principalOrgId": None,
        "sourceIp": request.client_ip,
        "clientCert": None,
        "user": signer.user_id if signer else None,
        "userAgent": request.header("user-agent"),
        "userArn": signer.arn if signer else None,
        "accessKey": signer.access_key_id if signer else None,
    }


def authorizer(exchange: Exchange) -> dict[str, Any]:
    """`$context.authorizer`: a Lambda authorizer's principalId and context (values as strings, as
    the managed gateway stringifies them), or a JWT's claims."""
    if exchange.authorizer is not None:
        values: dict[str, Any] = {key: _stringified(value) for key, value in exchange.authorizer.context.items()}
        if exchange.authorizer.principal_id is not None:
            values["principalId"] = exchange.authorizer.principal_id
        return values
    if exchange.jwt is not None:
        return {"claims": dict(exchange.jwt.claims), "scopes": list(exchange.jwt.scopes)}
    return {}


def context_variables(exchange: Exchange, deployment: Deployment) -> dict[str, Any]:
    """The `$context` map of a request (REST API names)."""
    request = exchange.request
    operation = exchange.operation
    host, prefix = domain(exchange)
    resource = operation.path if operation else None
    return {
        "accountId": ACCOUNT_ID,
        "apiId": API_ID,
        "authorizer": authorizer(exchange),
        "awsEndpointRequestId": exchange.request_id,
        "deploymentId": deployment.deployment_id,
        "domainName": host,
        "domainPrefix": prefix,
        "error": {"message": "", "messageString": '""', "responseType": "", "validationErrorString": ""},
        "extendedRequestId": exchange.request_id,
        "httpMethod": request.method,
        "identity": identity(exchange),
        "path": request.path,
        "protocol": f"HTTP/{request.http_version}",
        "requestId": exchange.request_id,
        "requestOverride": {"header": {}, "path": {}, "querystring": {}},
        "responseOverride": {"header": {}, "status": None},
        "requestTime": request_time(exchange.received_at),
        "requestTimeEpoch": int(exchange.received_at * 1000),
        "resourceId": resource_id(resource) if resource else None,
        "resourcePath": resource,
        "stage": deployment.stage,
        "wafResponseCode": None,
        "webaclArn": None,
        "xrayTraceId": None,
    }


def context_value(variables: dict[str, Any], dotted: str) -> Any:
    """`requestId`, `identity.sourceIp`, `authorizer.claims.sub`... in a `$context` map; None when absent."""
    value: Any = variables
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _stringified(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
