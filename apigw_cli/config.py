"""Every setting of a gateway in one value, built by the CLI and passed down; the choices a flag
may take are the `Literal` types here, which the CLI checks (typer refuses any other value)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

ResponseValidation = Literal["off", "warn", "strict"]
ReloadMode = Literal["inprocess", "process"]
LogFormat = Literal["text", "json"]
RedisFailure = Literal["open", "closed"]  # when Redis is down: let requests through, or answer 503
IamMode = Literal["off", "verify", "enforce"]  # IAM routes: let through, check signatures, or also permissions
MAX_BODY_BYTES = 10 * 1024 * 1024  # the managed gateway's payload limit
DEFAULT_RECORD_MAX_BODY = 64 * 1024
_PATHS = ("spec", "lambda_map", "api_keys", "record", "iam_credentials", "mock_state")


@dataclass(frozen=True)
class Settings:
    spec: Path
    host: str = "127.0.0.1"
    port: int = 3000
    validate_responses: ResponseValidation = "warn"
    max_body_bytes: int = MAX_BODY_BYTES
    require_integrations: bool = False
    handler_threads: int = 32
    lambda_map: Path | None = None  # --lambda-map: Lambda function -> local handler
    reload: bool = True  # serve: watch the spec and handlers, swap in a new snapshot on change
    deployment: str | None = None  # --stage: which of x-gateway.stages (default: the first declared)
    deployment_prefix: bool = False  # --stage-prefix: serve under /{stage}/..., as the managed REST URLs
    reload_mode: ReloadMode = "inprocess"  # process: restart the server process on change instead
    workers: int = 1  # server processes; each reloads itself
    log_format: LogFormat = "text"
    api_keys: Path | None = None  # --api-keys: a file of {name, value} kept out of the spec
    no_auth: bool = False  # --no-auth: check no API keys, JWTs or authorizers, for local poking
    iam: IamMode = "enforce"  # --iam: what IAM routes (SigV4) check
    iam_credentials: Path | None = None  # --iam-credentials: a file of {accessKeyId, secretAccessKey, arn, ...}
    throttle: bool = True  # replay sends faster than the recording: it turns throttles and quotas off
    redis: str | None = None  # --redis URL: buckets, quotas and cache shared by workers and hosts
    redis_failure: RedisFailure = "open"
    record: Path | None = None  # --record: append each exchange to this JSONL file
    record_secrets: bool = False  # keep Authorization, cookies and API keys in the record
    record_max_body: int = DEFAULT_RECORD_MAX_BODY  # bytes of each body kept in the record
    record_redact: tuple[str, ...] = ()  # --redact: more header names to redact (lower case)
    admin_prefix: str = "/_apigw"  # the gateway's own endpoints (/_apigw/health)
    stateful: bool = False  # --stateful: every mocked operation keeps its path family's resources
    mock_state: Path | None = None  # --mock-state FILE: stateful mocks' resources in SQLite (else memory)
    admin_token: str | None = None  # --admin-token / APIGW_ADMIN_TOKEN: what the admin endpoints need
    trust_proxy: bool = False  # --trust-proxy: a proxy in front may set X-Forwarded-Proto / -Port
    console: bool = True  # --no-console turns the page at {admin prefix}/ off
    console_history: int = 200  # --console-history: exchanges the page keeps
    stream_idle_timeout: float = 300.0  # --stream-idle-timeout: seconds a streamed body may go without a chunk
    stream_max_duration: float = 900.0  # --stream-max-duration: seconds a streamed body may run in all
    # the connection (gateway/connection.py): request head limits and slow-client deadlines
    max_request_line: int = 8192  # bytes of the request target: 414 past it
    max_header_bytes: int = 10240  # bytes of all header names and values: 431 past it
    max_headers: int = 100  # 431 past it
    head_timeout: float = 10.0  # seconds to a complete request head: 408 and closed
    body_timeout: float = 30.0  # seconds from the head to the whole body: 408 and closed
    keep_alive_timeout: int = 5  # seconds an idle keep-alive connection stays open
    shutdown_timeout: float = 30.0  # seconds in-flight requests get to finish after SIGTERM

    @property
    def process_reload(self) -> bool:
        """Whether uvicorn restarts the server process on change (instead of an in-process swap)."""
        return self.reload and self.reload_mode == "process"

    def to_json(self) -> str:
        """For worker processes, which rebuild the settings from the environment."""
        return json.dumps({k: str(v) if isinstance(v, Path) else v for k, v in asdict(self).items()})

    @classmethod
    def from_json(cls, text: str) -> Settings:
        data: dict[str, Any] = json.loads(text)
        for key in _PATHS:
            if data.get(key) is not None:
                data[key] = Path(data[key])
        data["record_redact"] = tuple(data.get("record_redact") or ())
        return cls(**data)
