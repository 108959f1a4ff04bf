"""The `apigw` command line: each command parses its options and calls one library function.

The choices a flag takes are `Literal` types of the modules that own them (typer refuses other
values with exit code 2); an ApigwError from a library call is one line on stderr and exit 2."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, NoReturn, TextIO

import typer

from apigw_cli import __version__
from apigw_cli.config import (
    DEFAULT_RECORD_MAX_BODY,
    IamMode,
    LogFormat,
    RedisFailure,
    ReloadMode,
    ResponseValidation,
    Settings,
)
from apigw_cli.lint.findings import SeverityName
from apigw_cli.lint.formats import LintFormat
from apigw_cli.record.reports import ReportFormat
from apigw_cli.record.sources import InputFormat

if TYPE_CHECKING:
    from apigw_cli.gateway.reload import Reloader
    from apigw_cli.gateway.snapshot import Gateway

app = typer.Typer(
    name="apigw",
    help="A local API gateway for OpenAPI specs: serve, invoke, lint, replay, and inspect routes.",
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
)

SpecArgument = Annotated[
    Path | None,
    typer.Argument(
        help="OpenAPI spec (YAML or JSON). Default: apigw.yaml, openapi.yaml or openapi.json here, or $APIGW_SPEC.",
        show_default=False,
    ),
]
LambdaMap = Annotated[
    Path | None,
    typer.Option(
        "--lambda-map",
        help="YAML file mapping Lambda function names or ARN patterns of an AWS spec to local handlers "
        "(file.py:function).",
        show_default=False,
    ),
]
ApiKeysOption = Annotated[
    Path | None,
    typer.Option("--api-keys", help="YAML list of API keys ({name, value}) kept out of the spec.", show_default=False),
]
CoverageFormat = Literal["text", "json"]
ExportTarget = Literal["aws-rest", "aws-http"]
IamOption = Annotated[
    IamMode,
    typer.Option(
        "--iam",
        help="IAM (SigV4) routes: enforce checks signatures and permissions, verify signatures only, off lets "
        "every request through.",
    ),
]
IamCredentialsOption = Annotated[
    Path | None,
    typer.Option(
        "--iam-credentials",
        help="YAML list of {accessKeyId, secretAccessKey, arn, sessionToken?, policy?} that may sign requests.",
        show_default=False,
    ),
]
StageOption = Annotated[
    str | None,
    typer.Option(
        "--stage", help="Which stage of x-gateway.stages to serve (default: the first declared).", show_default=False
    ),
]
ValidateResponses = Annotated[
    ResponseValidation,
    typer.Option(
        "--validate-responses",
        help="Check backend responses against the spec: off, warn (log + x-apigw-response-mismatch header) "
        "or strict (502).",
    ),
]


def _exit_usage(message: str) -> NoReturn:
    from apigw_cli.console import print_error

    print_error(message)
    raise typer.Exit(2)


@contextmanager
def _user_errors() -> Iterator[None]:
    """Turn apigw's own errors into one line on stderr and exit 2, never a traceback."""
    from apigw_cli.errors import ApigwError

    try:
        yield
    except ApigwError as exc:
        _exit_usage(str(exc))


def _settings(spec: Path | None, **options: Any) -> Settings:
    from apigw_cli.spec import discover_spec

    return Settings(spec=discover_spec(spec), **options)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"apigw {__version__}\n")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """A local API gateway for OpenAPI specs.

    Examples:

      apigw serve specs/userapi.yaml

      apigw invoke /users GET --spec specs/userapi.yaml

      apigw routes specs/userapi.yaml
    """


@app.command()
def serve(
    spec: SpecArgument = None,
    host: Annotated[
        str, typer.Option(help="Interface to listen on (loopback unless you say otherwise).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 3000,
    validate_responses: ValidateResponses = "warn",
    require_integrations: Annotated[
        bool, typer.Option(help="Refuse to start when an operation has no x-integration (instead of mocking it).")
    ] = False,
    log_format: Annotated[
        LogFormat, typer.Option(help="Access log format: text, or json (one JSON object a line).")
    ] = "text",
    lambda_map: LambdaMap = None,
    reload: Annotated[
        bool, typer.Option("--reload/--no-reload", help="Reload on change of the spec, its $refs and handlers.")
    ] = True,
    stage: StageOption = None,
    stage_prefix: Annotated[
        bool, typer.Option("--stage-prefix", help="Serve under /{stage}/..., as the managed gateway's REST URLs.")
    ] = False,
    reload_mode: Annotated[
        ReloadMode,
        typer.Option(
            help="inprocess: swap in a new snapshot, never drop a request; process: restart the server process "
            "(for C extensions or module state that cannot reload in-process)."
        ),
    ] = "inprocess",
    workers: Annotated[int, typer.Option(min=1, help="Server processes; each one reloads itself.")] = 1,
    api_keys: ApiKeysOption = None,
    iam: IamOption = "enforce",
    iam_credentials: IamCredentialsOption = None,
    no_auth: Annotated[
        bool, typer.Option("--no-auth", help="Check no API keys, JWTs or authorizers (local poking only).")
    ] = False,
    redis: Annotated[
        str | None,
        typer.Option(help="Redis URL for buckets, quotas and cache shared by workers, e.g. redis://127.0.0.1:6379/0."),
    ] = None,
    redis_failure: Annotated[
        RedisFailure,
        typer.Option(help="When Redis is down: open (let requests through, logged) or closed (answer 503)."),
    ] = "open",
    record: Annotated[
        Path | None, typer.Option(help="Append each exchange to this JSONL file (secrets redacted).")
    ] = None,
    record_secrets: Annotated[
        bool, typer.Option(help="Keep Authorization, cookies and API keys in the record (careful).")
    ] = False,
    redact: Annotated[
        list[str] | None,
        typer.Option(help="Redact this header too in the record (Authorization, cookies, x-api-key always are)."),
    ] = None,
    record_max_body: Annotated[
        int,
        typer.Option(min=0, help="Bytes of each body kept in the record; longer ones are cut and marked truncated."),
    ] = DEFAULT_RECORD_MAX_BODY,
    admin_prefix: Annotated[
        str, typer.Option(help="Where the gateway's own endpoints live (/_apigw/health).")
    ] = "/_apigw",
    admin_token: Annotated[
        str | None,
        typer.Option(
            envvar="APIGW_ADMIN_TOKEN",
            help="Protect the gateway's own endpoints (/_apigw/...): they need 'Authorization: Bearer TOKEN'.",
        ),
    ] = None,
    trust_proxy: Annotated[
        bool,
        typer.Option(
            "--trust-proxy",
            help="A proxy in front sets X-Forwarded-Proto / -Port: pass them on (else the gateway sets them).",
        ),
    ] = False,
    stateful: Annotated[
        bool,
        typer.Option(
            "--stateful",
            help="Mocked operations keep resources: POST creates, GET lists and reads, PUT/PATCH update, "
            "DELETE removes (per path family, seeded from the examples).",
        ),
    ] = False,
    mock_state: Annotated[
        Path | None,
        typer.Option(
            help="Keep stateful mocks' resources in this SQLite file (kept across restarts; default: memory)."
        ),
    ] = None,
    max_request_line: Annotated[
        int, typer.Option(min=64, help="Bytes of the request target; longer: 414.", rich_help_panel="Limits")
    ] = 8192,
    max_header_bytes: Annotated[
        int,
        typer.Option(min=256, help="Bytes of all header names and values; more: 431.", rich_help_panel="Limits"),
    ] = 10240,
    max_headers: Annotated[
        int, typer.Option(min=1, help="Headers a request may have; more: 431.", rich_help_panel="Limits")
    ] = 100,
    head_timeout: Annotated[
        float,
        typer.Option(min=0.1, help="Seconds to a complete request head; later: 408, closed.", rich_help_panel="Limits"),
    ] = 10.0,
    body_timeout: Annotated[
        float,
        typer.Option(
            min=0.1, help="Seconds from the head to the whole body; later: 408, closed.", rich_help_panel="Limits"
        ),
    ] = 30.0,
    keep_alive_timeout: Annotated[
        int, typer.Option(min=1, help="Seconds an idle keep-alive connection stays open.", rich_help_panel="Limits")
    ] = 5,
    web_console: Annotated[
        bool,
        typer.Option(
            "--console/--no-console",
            help="Serve the console page (reference, routes, live traffic, metrics, reloads) at the admin prefix.",
        ),
    ] = True,
    console_history: Annotated[
        int, typer.Option(min=1, max=100_000, help="Exchanges the console page keeps for live traffic.")
    ] = 200,
    stream_idle_timeout: Annotated[
        float,
        typer.Option(
            min=0.01,
            help="Seconds a streamed response may go without a chunk from its backend; then it is cut.",
            rich_help_panel="Limits",
        ),
    ] = 300.0,
    stream_max_duration: Annotated[
        float,
        typer.Option(min=0.01, help="Seconds a streamed response may run in all.", rich_help_panel="Limits"),
    ] = 900.0,
    shutdown_timeout: Annotated[
        float,
        typer.Option(
            min=0.0, help="Seconds in-flight requests get after SIGTERM; then they are cut.", rich_help_panel="Limits"
        ),
    ] = 30.0,
) -> None:
    """Serve the spec as a local API gateway.

    Each request is routed to its operation's x-integration (python handler or mock),
    validated against the spec, and logged as one line on stderr.

    Examples:

      apigw serve specs/userapi.yaml

      apigw serve openapi.yaml --port 8080 --validate-responses strict

      apigw serve --log-format json > access.jsonl

      apigw serve aws-export.yaml --lambda-map lambdas.yaml

      apigw serve specs/userapi.yaml --no-reload

      apigw serve api.yaml --stage prod --stage-prefix      (answers on /prod/...)

      apigw serve api.yaml --workers 4 --redis redis://127.0.0.1:6379/0

      apigw serve api.yaml --record traffic.jsonl

      apigw serve specs/petstore-mock.yaml --stateful --mock-state pets.sqlite

      apigw serve specs/streaming.yaml   (then: curl -N localhost:3000/ticks)

      apigw serve api.yaml --no-console   (no page at /_apigw/)
    """
    if workers > 1 and reload and reload_mode == "process":
        _exit_usage("--reload-mode process restarts one server process: use it without --workers")
    if mock_state is not None and not mock_state.resolve().parent.is_dir():
        _exit_usage(f"--mock-state {mock_state}: the folder {mock_state.resolve().parent} does not exist")
    with _user_errors():
        settings = _settings(
            spec,
            host=host,
            port=port,
            validate_responses=validate_responses,
            require_integrations=require_integrations,
            lambda_map=lambda_map,
            reload=reload,
            deployment=stage,
            deployment_prefix=stage_prefix,
            reload_mode=reload_mode,
            workers=workers,
            log_format=log_format,
            api_keys=api_keys,
            iam=iam,
            iam_credentials=iam_credentials,
            no_auth=no_auth,
            redis=redis,
            redis_failure=redis_failure,
            record=record,
            record_secrets=record_secrets,
            record_redact=tuple(name.strip().lower() for name in redact or () if name.strip()),
            record_max_body=record_max_body,
            admin_prefix=admin_prefix,
            admin_token=admin_token or None,
            trust_proxy=trust_proxy,
            stateful=stateful,
            mock_state=mock_state.resolve() if mock_state is not None else None,
            max_request_line=max_request_line,
            max_header_bytes=max_header_bytes,
            max_headers=max_headers,
            head_timeout=head_timeout,
            body_timeout=body_timeout,
            stream_idle_timeout=stream_idle_timeout,
            console=web_console,
            console_history=console_history,
            stream_max_duration=stream_max_duration,
            keep_alive_timeout=keep_alive_timeout,
            shutdown_timeout=shutdown_timeout,
        )
        from apigw_cli import console
        from apigw_cli.server import run
        from apigw_cli.workers import console_output

        if workers > 1 or settings.process_reload:
            # load once here, so a broken spec stops with one clear line before any process starts
            from apigw_cli.loading import build_gateway

            console.print_serving(build_gateway(settings), settings, None)

    def started(gateway: Gateway, reloader: Reloader | None) -> None:
        console.print_serving(gateway, settings, len(reloader.watched_files()) if reloader else None)

    with _user_errors():
        run(settings, console_output(settings), on_started=started)


@app.command()
def invoke(
    path: Annotated[str, typer.Argument(help="Request path, e.g. /users/42 (a query string may follow).")],
    method: Annotated[str, typer.Argument(help="HTTP method.")] = "GET",
    spec: Annotated[
        Path | None, typer.Option("--spec", "-s", help="OpenAPI spec; discovered as for serve when omitted.")
    ] = None,
    header: Annotated[list[str] | None, typer.Option("--header", "-H", help="'Name: value', repeatable.")] = None,
    query: Annotated[list[str] | None, typer.Option("--query", "-q", help="'name=value', repeatable.")] = None,
    data: Annotated[
        str | None, typer.Option("--data", "-d", help="Request body; @file reads a file, @- reads stdin.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object: status, headers, body.")] = False,
    fail: Annotated[bool, typer.Option("--fail", help="Exit 1 when the status is 400 or above.")] = False,
    validate_responses: ValidateResponses = "warn",
    lambda_map: LambdaMap = None,
    stage: StageOption = None,
    api_keys: ApiKeysOption = None,
) -> None:
    """Send one request through the gateway pipeline in-process, with no server.

    Examples:

      apigw invoke /users GET -s specs/userapi.yaml

      apigw invoke /users POST -d '{"name": "Ada", "email": "ada@example.com"}'

      apigw invoke /users -q limit=5 -H 'Accept: application/json' --json

      apigw invoke /users/42 DELETE --fail

      apigw invoke /orders --stage prod
    """
    with _user_errors():
        from apigw_cli.invoke import InvokeRequest, parse_header, parse_query
        from apigw_cli.invoke import invoke as run_invoke

        settings = _settings(
            spec, validate_responses=validate_responses, lambda_map=lambda_map, deployment=stage, api_keys=api_keys
        )
        body = _read_data(data)
        raw_path, _, query_string = path.partition("?")
        pairs = [parse_query(part) for part in query_string.split("&") if part] + [parse_query(q) for q in query or []]
        request = InvokeRequest(
            path=raw_path,
            method=method,
            headers=tuple(parse_header(h) for h in header or []),
            query=tuple(pairs),
            body=body,
        )
        from apigw_cli import console

        console.setup_logging()
        result = run_invoke(settings, request)
    console.print_invoke(result, as_json)
    if fail and result.status >= 400:
        raise typer.Exit(1)


def _read_data(data: str | None) -> bytes | None:
    from apigw_cli.errors import ConfigError

    if data is None:
        return None
    if data == "@-":
        return sys.stdin.buffer.read()
    if data.startswith("@"):
        try:
            return Path(data[1:]).read_bytes()
        except OSError as exc:
            raise ConfigError(f"--data {data}: cannot read {data[1:]}: {exc.strerror}") from None
    return data.encode("utf-8")


@app.command()
def ws(
    target: Annotated[
        str, typer.Argument(help="ws:// URL, or a path on the local gateway (/ws, /prod/ws) with --port.")
    ],
    message: Annotated[
        list[str] | None,
        typer.Option("--message", "-m", help="A message to send, repeatable, in order; without any, stdin's lines."),
    ] = None,
    header: Annotated[
        list[str] | None, typer.Option("--header", "-H", help="'Name: value' on the handshake, repeatable.")
    ] = None,
    query: Annotated[list[str] | None, typer.Option("--query", "-q", help="'name=value', repeatable.")] = None,
    port: Annotated[int, typer.Option(help="The local gateway's port, for a path target.", min=1, max=65535)] = 8080,
    wait: Annotated[float, typer.Option(help="Seconds of quiet after the last message before closing.", min=0)] = 1.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print each message as a JSON line.")] = False,
) -> None:
    """Connect to a WebSocket API, send messages, print what comes back (a message a line).

    Exit status: 0 done (also when the server closed the connection), 1 the handshake was refused
    or the server could not be reached, 2 bad arguments.

    Examples:

      apigw ws /ws -m '{"action": "join", "name": "ada"}' -m '{"action": "say", "text": "hi"}'

      apigw ws ws://127.0.0.1:8080/prod/ws -q token=good -H 'Authorization: Bearer ...'

      printf '%s\\n' '{"action": "join"}' | apigw ws /ws --json

      apigw ws /ws        # a person at a terminal: type a message a line, Ctrl+D to end
    """
    with _user_errors():
        from urllib.parse import urlencode

        from apigw_cli.invoke import parse_header, parse_query
        from apigw_cli.ws_client import WsJob, run_ws, ws_url

        url = ws_url(target, port)
        if query:
            url += ("&" if "?" in url else "?") + urlencode([parse_query(q) for q in query])
        job = WsJob(
            url=url,
            messages=tuple(message) if message else None,
            headers=tuple(parse_header(h) for h in header or []),
            wait=wait,
            as_json=as_json,
        )
    import asyncio

    raise typer.Exit(asyncio.run(run_ws(job, sys.stdin, sys.stdout, sys.stderr)))


@app.command()
def routes(
    spec: SpecArgument = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the table as a JSON list.")] = False,
    lambda_map: LambdaMap = None,
    stage: StageOption = None,
    api_keys: ApiKeysOption = None,
) -> None:
    """Print the route table: method, path, integration, what it calls, auth, throttle and cache.

    Examples:

      apigw routes specs/userapi.yaml

      apigw routes --json | jq '.[] | select(.integration == "mock")'

      apigw routes aws-export.yaml --lambda-map lambdas.yaml
    """
    with _user_errors():
        settings = _settings(spec, validate_responses="off", lambda_map=lambda_map, deployment=stage, api_keys=api_keys)
        from apigw_cli.console import print_routes
        from apigw_cli.loading import build_gateway

        gateway = build_gateway(settings)
    print_routes(gateway, as_json)


@app.command()
def bundle(
    spec: SpecArgument = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here (.json for JSON, else YAML); default stdout.")
    ] = None,
) -> None:
    """A spec spread over several files, as one file.

    References to other files become components of the bundle (named as they were, each once,
    so recursion stays a reference); references inside the root file are kept as written. A
    reference that points nowhere exits 2 naming its file and line.

    Examples:

      apigw bundle api.yaml -o bundled.yaml

      apigw bundle api.yaml -o bundled.json && apigw serve bundled.json
    """
    with _user_errors():
        from apigw_cli.spec import discover_spec
        from apigw_cli.spec.bundle import bundle as bundle_spec
        from apigw_cli.spec.document import load_spec

        bundled = bundle_spec(load_spec(discover_spec(spec)))
        _write_document(bundled, output)


def _write_document(document: dict[str, Any], output: Path | None) -> None:
    """A spec as JSON (an output ending in .json) or YAML, to `output` or stdout."""
    from apigw_cli.errors import ConfigError

    if output is not None and output.suffix.lower() == ".json":
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    else:
        import yaml

        text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=120)
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{output}: cannot write: {exc.strerror}") from None


@app.command(name="export")
def export_command(
    spec: SpecArgument = None,
    to: Annotated[
        ExportTarget, typer.Option("--to", help="aws-rest (a REST API) or aws-http (an HTTP API).")
    ] = "aws-rest",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here (.json for JSON, else YAML); default stdout.")
    ] = None,
    lambda_arn: Annotated[
        list[str] | None,
        typer.Option("--lambda-arn", help="'HANDLER_OR_FUNCTION=ARN': the Lambda a python handler is deployed as."),
    ] = None,
    arn_template: Annotated[
        str,
        typer.Option(help="The ARN of a handler no --lambda-arn names ({name}: its function, {region}, {account})."),
    ] = "arn:aws:lambda:{region}:{account}:function:{name}",
    region: Annotated[str, typer.Option(help="The region of the ARNs.")] = "us-east-1",
    account: Annotated[str, typer.Option(help="The account of the ARNs.")] = "123456789012",
    stage: StageOption = None,
    allow_loss: Annotated[
        bool, typer.Option("--allow-loss", help="Exit 0 even when something cannot be expressed (it is still listed).")
    ] = False,
) -> None:
    """The spec as the managed gateway imports it: apigw's extensions as x-amazon-apigateway-*.

    With -o, NAME.lambdas.yaml (the Lambdas mapped back to their handlers, for serve --lambda-map)
    and NAME.deploy.json (stage variables, throttles, caches, usage plans: stage settings that an
    import does not carry) are written beside it. What cannot be expressed is listed on stderr;
    the exit status is then 1 unless --allow-loss.

    Examples:

      apigw export specs/userapi.yaml --to aws-rest -o userapi-aws.json

      apigw serve userapi-aws.json --lambda-map userapi-aws.lambdas.yaml

      apigw export api.yaml --to aws-http -o http.yaml --lambda-arn get_user=arn:aws:lambda:eu-west-1:1:function:u
    """
    with _user_errors():
        from apigw_cli.errors import ConfigError
        from apigw_cli.export.exporter import ExportOptions, export_spec, lambda_map_text
        from apigw_cli.spec import discover_spec
        from apigw_cli.spec.document import load_spec

        arns: dict[str, str] = {}
        for entry in lambda_arn or []:
            name, separator, arn = entry.partition("=")
            if not separator or not arn.startswith("arn:"):
                raise ConfigError(f"--lambda-arn {entry!r} must be HANDLER_OR_FUNCTION=arn:aws:lambda:...")
            arns[name.strip()] = arn.strip()
        options = ExportOptions(to, arns, arn_template, region, account, stage)
        result = export_spec(load_spec(discover_spec(spec)), options)
        _write_document(result.document, output)
        if output is not None:
            stem = output.with_suffix("")
            if result.lambdas:
                Path(f"{stem}.lambdas.yaml").write_text(
                    lambda_map_text(result, output.resolve().parent), encoding="utf-8"
                )
            if result.deploy:
                Path(f"{stem}.deploy.json").write_text(json.dumps(result.deploy, indent=2) + "\n", encoding="utf-8")
    for loss in result.losses:
        sys.stderr.write(f"cannot be expressed: {loss.where}: {loss.what}\n")
    if result.losses and not allow_loss:
        sys.stderr.write(
            f"{len(result.losses)} thing(s) the managed gateway cannot import as they run here "
            "(--allow-loss to accept)\n"
        )
        raise typer.Exit(1)


@app.command(name="coverage")
def coverage_command(
    spec: SpecArgument = None,
    output_format: Annotated[CoverageFormat, typer.Option("--format", "-f", help="text (tables) or json.")] = "text",
    lambda_map: LambdaMap = None,
    stage: StageOption = None,
) -> None:
    """How much of a spec runs here as the managed gateway would run it.

    Per operation: runs (as on AWS), approximated (and how), or unavailable (the 5xx it answers,
    and why); per x-amazon-apigateway-* extension the spec uses, what apigw does with it.

    Examples:

      apigw coverage aws-export.yaml --lambda-map lambdas.yaml

      apigw coverage --format json | jq '.operations[] | select(.status != "runs")'
    """
    with _user_errors():
        settings = _settings(spec, validate_responses="off", lambda_map=lambda_map, deployment=stage)
        from apigw_cli.console import print_coverage
        from apigw_cli.coverage import coverage
        from apigw_cli.loading import load_and_build

        document, gateway = load_and_build(settings)
        report = coverage(gateway, document.root)
    print_coverage(report, output_format)


@app.command()
def lint(
    specs: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Specs to lint (default: apigw.yaml, openapi.yaml or openapi.json here).", show_default=False
        ),
    ] = None,
    output_format: Annotated[LintFormat, typer.Option("--format", "-f", help="The report's format.")] = "stylish",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the report to this file.")] = None,
    fail_on: Annotated[SeverityName, typer.Option(help="Exit 1 when a finding is at least this severe.")] = "error",
    config: Annotated[
        Path | None,
        typer.Option(help="Lint settings file (default: .apigw.yaml, or [tool.apigw.lint] in pyproject.toml)."),
    ] = None,
    lambda_map: LambdaMap = None,
    list_rules: Annotated[bool, typer.Option("--list-rules", help="List the rules and exit.")] = False,
) -> None:
    """Validate and lint OpenAPI specs with apigw's and AWS's extensions.

    Exit status: 0 nothing at or above --fail-on, 1 findings, 2 a spec could not be read at all.

    Examples:

      apigw lint specs/userapi.yaml

      apigw lint api.yaml other.yaml --fail-on warn

      apigw lint --format sarif -o apigw.sarif

      apigw lint --format github          (annotations in a GitHub Actions run)
    """
    from apigw_cli.lint.findings import Severity

    if list_rules:
        from apigw_cli.lint.rules import all_rules

        for rule in all_rules().values():
            sys.stdout.write(f"{rule.id:<22} {rule.severity.label:<6} {rule.description}\n")
        return
    with _user_errors():
        from apigw_cli.lambda_map import read_lambda_map
        from apigw_cli.lint.config import find_config
        from apigw_cli.lint.formats import formatter
        from apigw_cli.lint.runner import lint_specs
        from apigw_cli.spec import discover_spec

        paths = list(specs) if specs else [discover_spec(None)]
        settings = find_config(config)
        mapping = read_lambda_map(lambda_map) if lambda_map else ()
        reports, code = lint_specs(paths, settings, mapping, Severity.parse(fail_on))
        color = output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
        text = formatter(output_format)(reports, color)
        if output is not None:
            _write_report_file(output, lambda handle: handle.write(text))
        else:
            sys.stdout.write(text)
    raise typer.Exit(code)


@app.command()
def replay(
    log: Annotated[
        Path, typer.Argument(help="A recording (apigw serve --record), a HAR 1.2 file or a JSON access log.")
    ],
    spec: Annotated[
        Path | None, typer.Option("--spec", "-s", help="The spec to replay against (discovered as for serve).")
    ] = None,
    target: Annotated[
        str | None, typer.Option(help="Send to a running server at this base URL instead of in-process.")
    ] = None,
    input_format: Annotated[
        Literal["auto", InputFormat], typer.Option("--input-format", help="What the file is (auto: found from it).")
    ] = "auto",
    filters: Annotated[
        list[str] | None,
        typer.Option(
            "--filter", help="Replay only matching exchanges: method=GET,POST route=/users/* path=... status=2xx."
        ),
    ] = None,
    limit: Annotated[int | None, typer.Option(help="Replay only the first N exchanges (after --filter).")] = None,
    rate: Annotated[float | None, typer.Option(help="Send N requests a second.")] = None,
    speed: Annotated[
        float, typer.Option(min=0, help="Follow the recorded timing, X times as fast; 0 (default) sends at once.")
    ] = 0.0,
    concurrency: Annotated[
        int, typer.Option(min=1, help="Requests in flight at once (1 keeps the recorded order).")
    ] = 1,
    ignore: Annotated[
        list[str] | None,
        typer.Option("--ignore", help="Leave out body pointers (/id, /**/created_at) or header names (etag)."),
    ] = None,
    header: Annotated[
        list[str] | None, typer.Option("--header", help="Compare this response header too (content-type always).")
    ] = None,
    check_schema: Annotated[
        bool, typer.Option("--check-schema", help="Check every replayed response against the spec (openapi-core).")
    ] = False,
    report: Annotated[
        ReportFormat | None, typer.Option(help="Write a report in this format (to -o FILE, else stdout).")
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="The file --report writes.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Same as --report json, on stdout.")] = False,
    no_auth: Annotated[
        bool, typer.Option("--no-auth", help="In-process: check no credentials (recordings redact them).")
    ] = False,
    throttle: Annotated[
        bool,
        typer.Option(
            "--throttle/--no-throttle",
            help="In-process: apply throttles and quotas (default: only with --speed, which keeps the recorded pace).",
            show_default=False,
        ),
    ]
    | None = None,
    lambda_map: LambdaMap = None,
    stage: StageOption = None,
    api_keys: ApiKeysOption = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for each answer.")] = 60.0,
) -> None:
    """Replay recorded traffic through the gateway and report what changed.

    Each answer is compared with the recorded one: status, Content-Type and the --header names,
    and the body (JSON structurally: key order ignored, numbers by value).

    Exit status: 0 every response matches, 1 a mismatch or an error, 2 unusable input.

    Examples:

      apigw replay traffic.jsonl -s specs/userapi.yaml

      apigw replay traffic.jsonl --ignore /id --ignore '/**/createdAt' --ignore date

      apigw replay session.har --filter method=GET --filter status=2xx --check-schema

      apigw replay traffic.jsonl --speed 1 --concurrency 8 --target http://127.0.0.1:3000

      apigw replay traffic.jsonl --report junit -o replay.xml
    """
    if report is None and as_json:
        report = "json"
    if (rate is not None and rate <= 0) or timeout <= 0:
        _exit_usage("--rate and --timeout must be above 0")
    if rate is not None and speed:
        _exit_usage("give --rate or --speed, not both")
    if target is not None and not target.startswith(("http://", "https://")):
        _exit_usage(f"--target {target!r} must be a base URL such as http://127.0.0.1:3000")
    with _user_errors():
        from apigw_cli import console
        from apigw_cli.record.replay import ReplayJob, ReplayOptions, run_replay

        console.setup_logging()
        settings = None
        if target is None or check_schema:
            settings = _settings(
                spec,
                validate_responses="off",
                no_auth=no_auth,
                throttle=throttle if throttle is not None else speed > 0,
                lambda_map=lambda_map,
                deployment=stage,
                api_keys=api_keys,
            )
        job = ReplayJob(
            log=log,
            settings=settings,
            target=target,
            input_format=None if input_format == "auto" else input_format,
            filters=tuple(filters or ()),
            check_schema=check_schema,
            options=ReplayOptions(
                ignore=tuple(ignore or ()),
                headers=tuple(name.lower() for name in header or ()),
                limit=limit,
                rate=rate,
                speed=speed,
                concurrency=concurrency,
                timeout=timeout,
                keep_host=target is None,
            ),
        )
        results = run_replay(job, console.replay_progress)
    from apigw_cli.record.reports import write_report

    if report is not None and output is None:
        write_report(results, report, sys.stdout)
    else:
        console.print_replay(results)
        if report is not None and output is not None:
            chosen: ReportFormat = report
            with _user_errors():
                _write_report_file(output, lambda handle: write_report(results, chosen, handle))
    raise typer.Exit(1 if results.failed else 0)


def _write_report_file(path: Path, write: Callable[[TextIO], object]) -> None:
    from apigw_cli.errors import ConfigError

    try:
        with path.open("w", encoding="utf-8") as handle:
            write(handle)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write the report: {exc.strerror}") from None


@app.command()
def schema(
    which: Annotated[
        Literal["extensions", "record"],
        typer.Argument(help="extensions (the spec's x- keys) or record (a --record line)."),
    ] = "extensions",
) -> None:
    """Print a JSON Schema apigw publishes: its OpenAPI extensions, or the record format.

    Examples:

      apigw schema > apigw-extensions.schema.json

      apigw schema record > apigw-record.schema.json
    """
    from apigw_cli.spec.extensions import SCHEMAS_FOLDER

    text = (SCHEMAS_FOLDER / f"{which}.json").read_text(encoding="utf-8")
    sys.stdout.write(json.dumps(json.loads(text), indent=2) + "\n")


def main() -> None:
    app()
