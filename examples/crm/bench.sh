#!/usr/bin/env bash
# Load benchmark of the reference server: POST /api/crm/contacts through the
# whole chain (session auth → gate: identity, verified email, workspace,
# membership, approval, trial, permission → workspace quota → audit record
# → handler) beside GET /healthz (no gates, no rate limit), in the same run,
# on in-memory stores, with wrk as the load generator in a second process
# on loopback.
#
# Usage: examples/crm/bench.sh [duration=10s] [connections=64] [threads=2]
# Installs wrk from the Debian packages (apt-get) when it is missing.
set -euo pipefail

DURATION=${1:-10s}
CONNS=${2:-64}
THREADS=${3:-2}
PORT=${BENCH_PORT:-18099}
B="http://127.0.0.1:$PORT"
J='Content-Type: application/json'

cd "$(dirname "$0")/../.."

if ! command -v wrk >/dev/null 2>&1; then
	echo "installing wrk from the Debian packages…" >&2
	SUDO=""
	[ "$(id -u)" -ne 0 ] && SUDO=sudo
	$SUDO apt-get install -y wrk >/dev/null 2>&1 || { $SUDO apt-get update >/dev/null && $SUDO apt-get install -y wrk >/dev/null; }
fi
for tool in curl jq go; do
	command -v "$tool" >/dev/null 2>&1 || { echo "bench.sh needs $tool" >&2; exit 1; }
done

WORK=$(mktemp -d)
SERVER_PID=""
cleanup() {
	[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT

go build -o "$WORK/crm" ./examples/crm
# The quota is raised to the largest the limiter allows (65536 per 100 ms)
# so that the run measures the quota check without being throttled by it.
CLOSED_BETA_INVITE_CODE=bench-code-123 \
TENANTGATE_OPERATOR_EMAIL=ops@example.com \
TENANTGATE_OPERATOR_PASSWORD=operator-pass-123 \
	"$WORK/crm" -dev -quiet -addr "127.0.0.1:$PORT" -tenant-quota 65536/100ms >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER_PID=$!
for _ in $(seq 50); do curl -sf "$B/healthz" >/dev/null && break; sleep 0.1; done

# A verified owner of an approved workspace.
curl -sf -X POST "$B/api/auth/register" -H "$J" -d '{"email":"bench@example.com","password":"bench password 123"}' >/dev/null
VT=$(curl -sf "$B/dev/outbox?to=bench@example.com" | jq -r '.items[-1].token')
curl -sf -X POST "$B/api/auth/verify" -H "$J" -d "{\"token\":\"$VT\"}" >/dev/null
TOKEN=$(curl -sf -X POST "$B/api/auth/login" -H "$J" -d '{"email":"bench@example.com","password":"bench password 123"}' | jq -r .token)
WS=$(curl -sf -X POST "$B/api/workspaces" -H "$J" -H "Authorization: Bearer $TOKEN" -d '{"name":"Bench","inviteCode":"bench-code-123"}' | jq -r .id)
OP=$(curl -sf -X POST "$B/api/auth/login" -H "$J" -d '{"email":"ops@example.com","password":"operator-pass-123"}' | jq -r .token)
curl -sf -X POST "$B/admin/workspaces/$WS/approve" -H "$J" -H "Authorization: Bearer $OP" -d '{"reason":"benchmark"}' >/dev/null
STATUS=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$B/api/crm/contacts" -H "$J" -H "Authorization: Bearer $TOKEN" -H "X-Workspace-ID: $WS" -d '{"name":"Grace"}')
[ "$STATUS" = 201 ] || { echo "set-up failed: POST /api/crm/contacts answered $STATUS" >&2; exit 1; }

cat >"$WORK/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"name":"Grace Hopper","email":"grace@example.com"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $TOKEN"
wrk.headers["X-Workspace-ID"] = "$WS"
non201 = 0
response = function(status, headers, body)
  if status ~= 201 then non201 = non201 + 1 end
end
LUA

run() { # name, url, [script]
	local out
	out="$WORK/$(echo "$1" | tr -c 'a-zA-Z0-9' '_').txt"
	if [ -n "${3:-}" ]; then
		wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -s "$3" "$2" >"$out"
	else
		wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "$2" >"$out"
	fi
	local rps p50 p99 non2xx
	rps=$(awk '/Requests\/sec/ {print $2}' "$out")
	p50=$(awk '$1=="50%" {print $2}' "$out")
	p99=$(awk '$1=="99%" {print $2}' "$out")
	non2xx=$(awk '/Non-2xx/ {print $NF}' "$out")
	printf '%-26s %12s %10s %10s %8s\n' "$1" "$rps" "$p50" "$p99" "${non2xx:-0}"
}

echo "wrk -t$THREADS -c$CONNS -d$DURATION on $(nproc) CPU(s), $(go version | awk '{print $3}')"
printf '%-26s %12s %10s %10s %8s\n' "route" "req/s" "p50" "p99" "non-2xx"
run "GET /healthz" "$B/healthz"
run "POST /api/crm/contacts" "$B/api/crm/contacts" "$WORK/post.lua"
