"""IAM authorization of routes that ask for it (`x-amazon-apigateway-auth: {type: AWS_IAM}`, or a
`sigv4` security scheme with `x-amazon-apigateway-authtype: awsSigv4`), as the managed gateway
checks it:

1. the request must be signed with SigV4 (header or presigned query): 403 Missing Authentication
   Token without a signature, 403 with the managed gateway's message for an unknown key, a
   signature that does not match, or one out of time (gateway/iam/sigv4.py);
2. with `--iam enforce` (the default), the signer must be allowed `execute-api:Invoke` on the
   method ARN `arn:aws:execute-api:{region}:{account}:{api}/{stage}/{METHOD}/{path}` by its identity
   policy (none: it may invoke anything) or the API's resource policy, and denied by neither
   (403 `User: ARN is not authorized to perform: execute-api:Invoke on resource: ARN`).

`--iam verify` checks signatures and not permissions; `--iam off` leaves the stage out."""

from __future__ import annotations

from typing import TYPE_CHECKING

from apigw_cli.gateway.deployment import ACCOUNT_ID, API_ID, Deployment
from apigw_cli.gateway.gateway_errors import gateway_error
from apigw_cli.gateway.iam.policy import INVOKE, RequestFacts, evaluate, statements
from apigw_cli.gateway.iam.sigv4 import SignatureRejected, SignedRequest, has_signature, verify

if TYPE_CHECKING:
    from collections.abc import Sequence

    from apigw_cli.config import IamMode
    from apigw_cli.gateway.exchange import Exchange, GatewayResponse
    from apigw_cli.gateway.iam.credentials import IamConfig, IamCredential
    from apigw_cli.gateway.stages.stage import Handler


class IamGate:
    """The check itself, for the IAM stage and for the @connections API (whose action is
    execute-api:ManageConnections)."""

    def __init__(self, mode: IamMode, config: IamConfig, deployment: Deployment):
        self._mode = mode
        self._config = config
        self.stage = deployment.stage
        self.api_prefix = f"arn:aws:execute-api:{config.region}:{ACCOUNT_ID}:{API_ID}/"
        self._resource_statements = statements(config.resource_policy)

    def method_arn(self, exchange: Exchange) -> str:
        path = exchange.route_path or exchange.request.path
        return f"{self.api_prefix}{self.stage}/{exchange.request.method}/{path.lstrip('/')}"

    async def check(self, exchange: Exchange, arn: str, action: str = INVOKE) -> GatewayResponse | None:
        """None when the request may pass (its signer is then on the exchange), else the refusal."""
        request = exchange.request
        signed = SignedRequest(request.method, request.path, request.query_string, request.headers, b"")
        if not has_signature(signed):
            exchange.error = "IAM: the request is not signed"
            return gateway_error("MISSING_AUTHENTICATION_TOKEN")
        body = await request.read_body()
        signed = SignedRequest(request.method, request.path, request.query_string, request.headers, body)
        try:
            credential = verify(signed, self._config.credentials, self._config.region, exchange.received_at)
        except SignatureRejected as exc:
            exchange.error = f"IAM: {exc.message}"
            return gateway_error("INVALID_SIGNATURE", exc.message, error_type=exc.error_type)
        exchange.iam = credential
        if self._mode == "enforce" and not self._permitted(credential, arn, action, request.client_ip):
            exchange.error = f"IAM: {credential.arn} may not {action} on {arn}"
            return gateway_error(
                "ACCESS_DENIED", f"User: {credential.arn} is not authorized to perform: {action} on resource: {arn}"
            )
        return None

    def _permitted(self, credential: IamCredential, arn: str, action: str, source_ip: str) -> bool:
        facts = RequestFacts(source_ip, credential.arn, credential.account)
        own = (
            evaluate(statements(credential.policy), arn, facts, self.api_prefix, action=action)
            if credential.policy
            else None
        )
        resource = (
            evaluate(self._resource_statements, arn, facts, self.api_prefix, need_principal=True, action=action)
            if self._resource_statements
            else None
        )
        if (own is not None and own.denied) or (resource is not None and resource.denied):
            return False
        identity_allows = own is None or own.allowed  # no identity policy: the credential may invoke anything
        # in one account either policy may grant it; an explicit Deny in either refused it above
        return identity_allows or (resource is not None and resource.allowed)


class IamStage:
    def __init__(self, gate: IamGate, routes: Sequence[bool]):
        self._gate = gate
        self._routes = routes  # by operation index: does it use IAM

    async def __call__(self, exchange: Exchange, call_next: Handler) -> GatewayResponse:
        operation = exchange.operation
        if operation is None or not self._routes[operation.index]:
            return await call_next(exchange)
        refused = await self._gate.check(exchange, self._gate.method_arn(exchange))
        return refused if refused is not None else await call_next(exchange)
