"""WebSocket APIs: the compiled API, connection sessions, the @connections API, their events."""
