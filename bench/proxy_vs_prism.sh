#!/usr/bin/env bash
# apigw's http integration beside Prism's validating proxy and a bare aiohttp proxy, with the
# shared peer benchmark (../shared/bench/proxy_peers.sh: nginx backend, wrk, servers pinned to
# one core and load to the other). Only 127.0.0.1 is contacted.
#
# Usage: bash bench/proxy_vs_prism.sh            # ROUNDS=2 DURATION=8 by default
#        ROUNDS=3 DURATION=10 bash bench/proxy_vs_prism.sh
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
PEERS=${PEERS:-$REPO/../shared/bench/proxy_peers.sh}
PYTHON=${PYTHON:-$(command -v python3)}
[[ -f $PEERS ]] || { echo "missing $PEERS (the shared peer benchmark)" >&2; exit 2; }
SPEC=$(dirname "$PEERS")/proxy_peers_spec.yaml
export EXTRA_CASES="apigw_serve|9030|env PYTHONPATH=$REPO $PYTHON -m apigw_cli serve $SPEC --port 9030 --host 127.0.0.1"
export CASES=${CASES:-direct,prism-proxy,py-aiohttp,apigw_serve}
export ROUNDS=${ROUNDS:-2} DURATION=${DURATION:-8}
exec bash "$PEERS"
