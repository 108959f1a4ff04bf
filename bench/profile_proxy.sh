#!/usr/bin/env bash
# A py-spy profile of `apigw serve` under load, for one path: the http proxy (GET /users/42 or
# the validated POST /users of ../shared/bench/proxy_peers_spec.yaml, nginx as the backend) or a
# python handler (GET /users/1 of specs/userapi.yaml). Server pinned to core 1, wrk and the
# backend to core 0. Writes a flame graph (SVG) and prints the functions with the most own time
# and the stages with the most time under them: the per-stage cost table of bench/README.md.
#
# Usage: bash bench/profile_proxy.sh [get|post|handler] [seconds]      # default: get 15
#        SERVE_ARGS="--no-console --no-reload" bash bench/profile_proxy.sh post
# Needs: py-spy (pip), wrk and nginx (apt); ../shared/bench/proxy_peers.sh installs wrk and nginx.
# Only 127.0.0.1 is contacted. Output: $OUT (/tmp/apigw-profile)/{flame-$PATHNAME.svg,stacks-$PATHNAME.txt}
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
KIND=${1:-get}
SECS=${2:-15}
OUT=${OUT:-/tmp/apigw-profile}
PYTHON=${PYTHON:-$(command -v python3)}
PEERS_SPEC=$REPO/../shared/bench/proxy_peers_spec.yaml
PORT=9130
BACKEND_PORT=9001
mkdir -p "$OUT"
for tool in py-spy wrk nginx taskset; do
	command -v "$tool" >/dev/null || { echo "missing $tool (see the header of $0)" >&2; exit 2; }
done
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

wait_port() {
	for _ in $(seq 1 200); do
		if (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
		sleep 0.1
	done
	echo "nothing listens on $1" >&2
	exit 1
}

cat >"$OUT/wrk.lua" <<'EOF'
wrk.method = os.getenv("WRK_METHOD") or "GET"
if wrk.method == "POST" then
  wrk.body = os.getenv("WRK_BODY")
  wrk.headers["Content-Type"] = "application/json"
end
EOF
BODY='{"username":"grace.hopper","email":"grace.hopper@example.com","full_name":"Grace Hopper","active":true,"roles":["admin"],"age":85}'
case $KIND in
get | post)
	mkdir -p "$OUT/nginx"
	cat >"$OUT/nginx/backend.conf" <<EOF
daemon off;
worker_processes 1;
pid $OUT/nginx/backend.pid;
error_log $OUT/nginx/backend.err warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $OUT/nginx/body;
    proxy_temp_path $OUT/nginx/proxy;
    fastcgi_temp_path $OUT/nginx/fastcgi;
    uwsgi_temp_path $OUT/nginx/uwsgi;
    scgi_temp_path $OUT/nginx/scgi;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$BACKEND_PORT;
        default_type application/json;
        location = /users { return 201 '{"id":42,"username":"grace.hopper","email":"grace.hopper@example.com","active":true,"roles":["admin"],"created_at":"2024-01-15T10:30:00Z"}'; }
        location ~ ^/users/[0-9]+\$ { return 200 '{"id":42,"username":"ada.lovelace","email":"ada@example.com","active":true,"roles":["admin"],"created_at":"2024-01-15T10:30:00Z"}'; }
    }
}
EOF
	taskset -c 0 nginx -p "$OUT/nginx" -c "$OUT/nginx/backend.conf" &
	pids+=($!)
	wait_port $BACKEND_PORT
	SPEC=$PEERS_SPEC
	if [[ $KIND == get ]]; then TARGET=/users/42 METHOD=GET; else TARGET=/users METHOD=POST; fi
	;;
handler)
	SPEC=$REPO/specs/userapi.yaml TARGET=/users/1 METHOD=GET
	export APIGW_USERS_DB=$OUT/users.db
	rm -f "$APIGW_USERS_DB"
	;;
*)
	echo "usage: $0 [get|post|handler] [seconds]" >&2
	exit 2
	;;
esac

# shellcheck disable=SC2086
taskset -c 1 "$PYTHON" -m apigw_cli serve "$SPEC" --port $PORT ${SERVE_ARGS:-} 2>"$OUT/serve-$KIND.log" &
pids+=($!)
SERVER=$!
wait_port $PORT
if [[ $KIND == handler ]]; then
	curl -s -o /dev/null -X POST -H 'Content-Type: application/json' \
		-d '{"name":"Ada","email":"ada@example.com"}' "http://127.0.0.1:$PORT/users"
fi
export WRK_METHOD=$METHOD WRK_BODY=$BODY
taskset -c 0 wrk -t1 -c16 -d2s -s "$OUT/wrk.lua" "http://127.0.0.1:$PORT$TARGET" >/dev/null # warm-up
taskset -c 0 wrk -t1 -c16 -d"$((SECS + 4))s" -s "$OUT/wrk.lua" "http://127.0.0.1:$PORT$TARGET" >"$OUT/wrk-$KIND.txt" &
pids+=($!)
sleep 1
py-spy record --pid "$SERVER" --duration "$SECS" --rate 250 --gil --format raw --output "$OUT/stacks-$KIND.txt" >/dev/null 2>&1
py-spy record --pid "$SERVER" --duration 3 --rate 250 --gil --output "$OUT/flame-$KIND.svg" >/dev/null 2>&1 || true
wait "${pids[-1]}" || true
grep -E "Requests/sec|Non-2xx" "$OUT/wrk-$KIND.txt" || true
"$PYTHON" "$HERE/profile_table.py" "$OUT/stacks-$KIND.txt"
echo "flame graph: $OUT/flame-$KIND.svg; stacks: $OUT/stacks-$KIND.txt"
