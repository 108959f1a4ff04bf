"""The one interface every integration implements."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from apigw_cli.gateway.exchange import Exchange, GatewayResponse


class Integration(Protocol):
    @property
    def kind(self) -> str:
        """ "python", "mock", ..."""
        ...

    @property
    def target(self) -> str:
        """What it calls, for the route table and the access log (a handler, a URL)."""
        ...

    async def invoke(self, exchange: Exchange) -> GatewayResponse:
        """Answer the request; raise IntegrationError (or IntegrationTimeout) when the backend fails."""
        ...

    async def aclose(self) -> None:
        """Release what the integration holds (thread pools, connections) at shutdown."""
        ...
