"""`apigw ws` as a script runs it: messages from arguments or stdin, answers printed a line each,
exit 1 for a refused handshake or an unreachable server, 2 for a target that is neither."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.helpers import REPO, SPECS, free_port, serve_process


def apigw_ws(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "apigw_cli", "ws", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )


def test_messages_from_arguments_and_stdin(tmp_path: Path) -> None:
    with serve_process(str(SPECS / "chat.yaml"), "--no-reload") as base:
        port = base.rsplit(":", 1)[1]
        run = apigw_ws("/ws", "--port", port, "-m", '{"action": "join", "name": "ada"}',
                       "-m", '{"action": "say", "text": "hi"}', "-m", "anything else")  # fmt: skip
        assert run.returncode == 0, run.stderr
        assert [json.loads(line) for line in run.stdout.splitlines()] == [
            {"joined": "ada", "members": ["ada"]},
            {"from": "ada", "text": "hi"},  # through @connections, posted by the say handler
            {"message": "actions: join, say"},  # $default, a mock
        ]
        piped = apigw_ws(base + "/ws", "--json", "--wait", "0.5", stdin='{"action": "join", "name": "bob"}\n\n')
        assert piped.returncode == 0, piped.stderr
        assert json.loads(piped.stdout) == {"message": {"joined": "bob", "members": ["bob"]}}
        refused = apigw_ws("/elsewhere", "--port", port, "-m", "x")
        assert refused.returncode == 1 and "connection refused: HTTP 404" in refused.stderr
    unreachable = apigw_ws("/ws", "--port", str(free_port()), "-m", "x")
    assert unreachable.returncode == 1 and "cannot connect" in unreachable.stderr
    bad = apigw_ws("nowhere")
    assert bad.returncode == 2 and "not a ws:// URL" in bad.stderr
