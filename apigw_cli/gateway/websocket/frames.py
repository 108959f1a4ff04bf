"""The WebSocket connection: uvicorn's websockets-sansio protocol with the managed gateway's frame
quota. A frame over 32 KiB closes the connection with 1009 (a longer message must come in several
frames), as a message over 128 KiB does (uvicorn's `ws_max_size`). This module imports uvicorn at
its top: only server code imports it."""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import (  # noqa: TID253 - server code only
    WebSocketsSansIOProtocol,
)

MAX_FRAME_BYTES = 32 * 1024
TOO_BIG = 1009


class GatewayWebSocketProtocol(WebSocketsSansIOProtocol):
    def _too_big(self, event: Any) -> bool:
        if len(event.data) <= MAX_FRAME_BYTES:
            return False
        reason = f"Frame over {MAX_FRAME_BYTES} bytes"
        self.conn.fail(TOO_BIG, reason)
        self.queue.put_nowait({"type": "websocket.disconnect", "code": TOO_BIG, "reason": reason})
        self.transport.write(b"".join(self.conn.data_to_send()))
        self.close_sent = True
        self.transport.close()
        return True

    def handle_text(self, event: Any) -> None:
        if not self._too_big(event):
            super().handle_text(event)

    def handle_bytes(self, event: Any) -> None:
        if not self._too_big(event):
            super().handle_bytes(event)

    def handle_cont(self, event: Any) -> None:
        if not self._too_big(event):
            super().handle_cont(event)
