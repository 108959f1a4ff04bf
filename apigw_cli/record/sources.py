"""What `apigw replay` reads, each turned into the record format: apigw's own JSONL recording,
HAR 1.2 files (browser dev tools, proxies) and the managed gateway's JSON access log. JSONL
inputs are streamed a line at a time; a HAR file is one JSON document and is read whole."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from apigw_cli.errors import RecordError
from apigw_cli.record.format import HOP_BY_HOP_HEADERS
from apigw_cli.record.reader import read_records

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

logger = logging.getLogger("apigw")

InputFormat = Literal["record", "har", "access-log"]
_SNIFFED_LINES = 50
Numbered = tuple[int, dict[str, Any]]


def detect_format(path: Path) -> InputFormat:
    """Tells the three inputs apart from the file's name and its first line."""
    if path.suffix.lower() == ".har":
        return "har"
    try:
        with path.open(encoding="utf-8") as handle:
            head = [line for _, line in zip(range(_SNIFFED_LINES), handle, strict=False) if line.strip()]
    except OSError as exc:
        raise RecordError(f"{path}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise RecordError(f"{path}: not a text file (a recording, a HAR file or a JSON access log)") from None
    first = head[0] if head else ""
    if first.strip() == "{":
        return "har"  # a pretty-printed JSON document
    try:
        value = json.loads(first)
    except ValueError:
        value = None
    if isinstance(value, dict) and "log" in value:
        return "har"
    if isinstance(value, dict) and isinstance(value.get("request"), dict):
        return "record"
    if any(_access_line(line) is not None for line in head):
        return "access-log"
    return "record"  # its first bad line is named when read


def read_exchanges(path: Path, input_format: InputFormat | None = None) -> Iterator[Numbered]:
    """(line or entry number, record) pairs in the record format, whatever the input."""
    chosen = input_format or detect_format(path)
    if chosen == "har":
        return _read_har(path)
    if chosen == "access-log":
        return _read_access_log(path)
    return read_records(path)


def recorded_epoch(record: dict[str, Any]) -> float | None:
    """When the exchange started, in epoch seconds, if the input says."""
    stamp = record.get("time")
    if isinstance(stamp, int | float):
        return float(stamp)
    if not isinstance(stamp, str):
        return None
    try:
        return datetime.fromisoformat(stamp).timestamp()
    except ValueError:
        pass
    try:
        return datetime.strptime(stamp, "%d/%b/%Y:%H:%M:%S %z").timestamp()
    except ValueError:
        return None


def _read_har(path: Path) -> Iterator[Numbered]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RecordError(f"{path}: cannot read: {exc.strerror}") from None
    except ValueError as exc:
        raise RecordError(f"{path}: not a HAR file: {exc}") from None
    entries = document.get("log", {}).get("entries") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise RecordError(f"{path}: not a HAR file: no log.entries list")
    for number, entry in enumerate(entries, start=1):
        try:
            yield number, _har_record(entry)
        except (KeyError, TypeError, ValueError) as exc:
            problem = f"{exc!r} missing or wrong"
            raise RecordError(f"{path}: log.entries[{number - 1}]: not a HAR entry ({problem})") from None


def _har_record(entry: dict[str, Any]) -> dict[str, Any]:
    request, response = entry["request"], entry["response"]
    url = urlsplit(request["url"])
    post = request.get("postData") or {}
    content = response.get("content") or {}
    recorded_response: dict[str, Any] = {"status": int(response["status"]), "headers": _har_headers(response)}
    if "text" in content:  # dev tools leave it out for bodies they did not keep
        recorded_response["body"] = content["text"]
        recorded_response["encoding"] = "base64" if content.get("encoding") == "base64" else "text"
    return {
        "time": entry.get("startedDateTime"),
        "request": {
            "method": str(request["method"]).upper(),
            "path": url.path or "/",
            "query": url.query,
            "headers": _har_headers(request),
            "body": post.get("text", ""),
            "encoding": "text",
        },
        "response": recorded_response,
        "latencyMs": entry.get("time") if isinstance(entry.get("time"), int | float) else None,
        "route": None,
    }


def _har_headers(part: dict[str, Any]) -> list[list[str]]:
    return [
        [str(header["name"]).lower(), str(header["value"])]
        for header in part.get("headers") or []
        # HTTP/2 pseudo-headers and hop-by-hop headers: a client library sets its own
        if not str(header["name"]).startswith(":") and str(header["name"]).lower() not in HOP_BY_HOP_HEADERS
    ]


def _read_access_log(path: Path) -> Iterator[Numbered]:
    """Access logs mix in other lines (a banner, warnings): those are skipped and counted."""
    skipped: list[int] = []
    found = 0
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            for number, line in enumerate(handle, start=1):
                fields = _access_line(line)
                if fields is None:
                    if line.strip():
                        skipped.append(number)
                    continue
                found += 1
                yield number, fields
    except OSError as exc:
        raise RecordError(f"{path}: cannot read: {exc.strerror}") from None
    if not found:
        raise RecordError(f"{path}: no access-log line with httpMethod and path (or resourcePath)")
    if skipped:
        logger.warning(
            "%s: %d lines are not access-log entries (first: line %d): skipped", path, len(skipped), skipped[0]
        )


def _access_line(line: str) -> dict[str, Any] | None:
    text = line.strip()
    start = text.find("{")  # some exports put a timestamp before the JSON
    if start < 0:
        return None
    try:
        value = json.loads(text[start:])
    except ValueError:
        return None
    return _access_fields(value) if isinstance(value, dict) else None


def _access_fields(line: dict[str, Any]) -> dict[str, Any] | None:
    """The record a JSON access-log line describes: method, path and status, no bodies. A CloudWatch
    export wraps the line in `message`."""
    if isinstance(line.get("message"), str):
        try:
            inner = json.loads(line["message"])
        except ValueError:
            return None
        return _access_fields(inner) if isinstance(inner, dict) else None
    method = line.get("httpMethod")
    path = line.get("path")
    if not isinstance(path, str) or not path:
        resource = line.get("resourcePath")
        path = resource if isinstance(resource, str) and "{" not in resource else None
    if not isinstance(method, str) or path is None:
        return None
    stage = line.get("stage")
    if isinstance(stage, str) and stage and path.startswith(f"/{stage}/"):
        path = path[len(stage) + 1 :]  # REST URLs carry the stage; a local gateway serves without it
    epoch = line.get("requestTimeEpoch")
    status = line.get("status")
    latency = line.get("responseLatency", line.get("latency"))
    return {
        "time": float(epoch) / 1000 if isinstance(epoch, int | float) else line.get("requestTime"),
        "request": {"method": method.upper(), "path": path, "query": "", "headers": [], "body": ""},
        "response": {"status": int(str(status))} if str(status).isdigit() else {},
        "latencyMs": float(str(latency)) if _is_number(latency) else None,
        "route": f"{method.upper()} {line['resourcePath']}" if isinstance(line.get("resourcePath"), str) else None,
    }


def _is_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return not isinstance(value, bool)


def count_exchanges(path: Path, input_format: InputFormat) -> int | None:
    """How many lines a JSONL input holds (for the progress bar): a fast byte count, not a parse."""
    if input_format == "har":
        return None
    count = 0
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                count += chunk.count(b"\n")
    except OSError:
        return None
    return count
