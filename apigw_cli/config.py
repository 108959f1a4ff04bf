"""Every setting of a gateway in one value, built by the CLI and passed down."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

ResponseValidation = Literal["off", "warn", "strict"]
ReloadMode = Literal["inprocess", "process"]
MAX_BODY_BYTES = 10 * 1024 * 1024  # the managed gateway's payload limit


@dataclass(frozen=True)
class Settings:
    spec: Path
    host: str = "127.0.0.1"
    port: int = 3000
    validate_responses: ResponseValidation = "warn"
    max_body_bytes: int = MAX_BODY_BYTES
    require_integrations: bool = False
    handler_threads: int = 32
    access_log: bool = True
    lambda_map: Path | None = None  # --lambda-map: Lambda function -> local handler
    reload: bool = True  # serve: watch the spec and handlers, swap in a new snapshot on change
    stage: str | None = None  # which of x-gateway.stages (default: the first declared)
    stage_prefix: bool = False  # serve under /{stage}/..., as the managed gateway's REST URLs
    reload_mode: ReloadMode = "inprocess"  # process: restart the server process on change instead
    workers: int = 1  # server processes; each reloads itself
    log_format: str = "text"  # access log: text or json
    api_keys: Path | None = None  # --api-keys: a file of {name, value} kept out of the spec
    no_auth: bool = False  # --no-auth: check no API keys, for local poking
    throttle: bool = True  # replay sends faster than the recording: it turns throttles and quotas off
    redis: str | None = None  # --redis URL: buckets, quotas and cache shared by workers and hosts
    redis_failure: str = "open"  # when Redis is down: open (let requests through) or closed (503)
    record: Path | None = None  # --record: append each exchange to this JSONL file
    record_secrets: bool = False  # keep Authorization, cookies and API keys in the record
    record_max_body: int = 64 * 1024  # bytes of each body kept in the record
    record_redact: tuple[str, ...] = ()  # --redact: more header names to redact (lower case)
    admin_prefix: str = "/_apigw"  # the gateway's own endpoints (/_apigw/health)

    def to_json(self) -> str:
        """For worker processes, which rebuild the settings from the environment."""
        import json
        from dataclasses import asdict

        return json.dumps({k: str(v) if isinstance(v, Path) else v for k, v in asdict(self).items()})

    @classmethod
    def from_json(cls, text: str) -> Settings:
        import json

        data = json.loads(text)
        for key in ("spec", "lambda_map", "api_keys", "record"):
            if data.get(key) is not None:
                data[key] = Path(data[key])
        data["record_redact"] = tuple(data.get("record_redact") or ())
        return cls(**data)
