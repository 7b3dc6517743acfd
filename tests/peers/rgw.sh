#!/bin/bash
# rgw.sh — a throwaway Ceph RADOS Gateway (real S3, real SigV4) on 127.0.0.1.
#
#   tests/peers/rgw.sh start DIR [PORT]   start (or restart) a micro cluster in DIR
#   tests/peers/rgw.sh stop DIR           stop it: kill the pidfile PIDs, wait for them
#   tests/peers/rgw.sh status DIR         exit 0 when the S3 endpoint answers
#
# The cluster is one ceph-mon, one ceph-osd with the in-RAM "memstore" object
# store and one radosgw, with cephx switched off; nothing is kept on disk but
# DIR. `start` prints the endpoint (http://127.0.0.1:PORT) as the only line on
# stdout; progress goes to stderr. PORT defaults to a free port.
#
# Environment:
#   RGW_ACCESS_KEY, RGW_SECRET_KEY  the S3 user's keys (test defaults below)
#   RGW_START_TIMEOUT               seconds to wait for S3 to answer (default 120)
#   RGW_MON_PORT, RGW_MON_PORT_V1   the monitor's msgr2/msgr1 ports (default "auto": two
#                                   free ports, so that the cluster runs beside any other
#                                   Ceph cluster, e.g. one on Ceph's fixed 3300/6789; a
#                                   number asks for that port, and a busy one stops the
#                                   start with a message)
#   RGW_TLS_CERT, RGW_TLS_KEY       PEM certificate chain and key: radosgw also serves
#                                   TLS on a second free port; DIR/tls_endpoint then holds
#                                   https://localhost:TLSPORT (the name the certificate
#                                   should carry)
#
# After `start`, DIR/endpoint holds the endpoint and DIR/log/ the daemon logs.
# Must run as root (the Ceph daemons want it). The secret is never printed.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -euo pipefail

usage() { echo "usage: $0 start DIR [PORT] | stop DIR | status DIR" >&2; exit 2; }
[ $# -ge 2 ] || usage
cmd=$1
D=$(realpath -m "$2")
AKEY=${RGW_ACCESS_KEY:-MCPS3TESTACCESSKEY01}
SKEY=${RGW_SECRET_KEY:-mcp-s3-test-secret-key-0123456789abcdef}
TIMEOUT=${RGW_START_TIMEOUT:-120}
MON2=${RGW_MON_PORT:-auto}
MON1=${RGW_MON_PORT_V1:-auto}
export CEPH_CONF=$D/ceph.conf

say() { echo "rgw.sh: $*" >&2; }

# Is PID alive and one of our Ceph daemons (a pidfile may outlive its process
# and the number be reused by something else)?
is_ours() {
	local pid=$1 comm
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
	case $comm in ceph-mon|ceph-osd|radosgw) return 0 ;; esac
	return 1
}

port_busy() {	# port_busy PORT → 0 when something listens on 127.0.0.1:PORT or *:PORT
	ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
}

free_port() {
	python3 - <<'EOF'
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
EOF
}

do_stop() {
	local p pid pids=() i
	[ -d "$D" ] || return 0
	for p in rgw osd mon; do
		[ -f "$D/$p.pid" ] || continue
		pid=$(tr -dc 0-9 < "$D/$p.pid")
		if is_ours "$pid"; then
			kill -TERM "$pid" 2>/dev/null || true
			pids+=("$pid")
		fi
	done
	# Bounded wait: 10 s of TERM, then KILL and 5 s more.
	for i in $(seq 1 60); do
		local alive=0
		for pid in "${pids[@]+"${pids[@]}"}"; do is_ours "$pid" && alive=1; done
		[ $alive = 0 ] && break
		[ "$i" = 40 ] && for pid in "${pids[@]+"${pids[@]}"}"; do
			is_ours "$pid" && { say "PID $pid ignored SIGTERM; sending SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; }
		done
		sleep 0.25
	done
	for pid in "${pids[@]+"${pids[@]}"}"; do
		if is_ours "$pid"; then say "PID $pid did not exit"; return 1; fi
	done
	rm -f "$D"/{rgw,osd,mon}.pid
	[ ${#pids[@]} -gt 0 ] && say "stopped (PIDs ${pids[*]})"
	return 0
}

logs_tail() {
	local f
	for f in "$D"/log/*.log "$D"/log/*.out; do
		[ -s "$f" ] || continue
		echo "----- tail of $f" >&2
		tail -n 25 "$f" >&2
	done
}

fail() {
	say "FAILED: $*"
	logs_tail
	do_stop || true
	exit 1
}

# A signed S3 request (ListBuckets) with curl; the secret goes through a
# config file on stdin, never argv.
s3_ping() {
	printf 'user = "%s:%s"\n' "$AKEY" "$SKEY" |
	curl -sS -o /dev/null -w '%{http_code}' --max-time 5 -K - \
		--aws-sigv4 "aws:amz:us-east-1:s3" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" \
		"http://127.0.0.1:$PORT/" 2>/dev/null || true
}

case $cmd in
stop)
	do_stop
	exit $?
	;;
status)
	[ -f "$D/endpoint" ] || { say "no cluster in $D"; exit 1; }
	PORT=$(sed 's/.*://' "$D/endpoint")
	[ "$(s3_ping)" = 200 ] && { cat "$D/endpoint"; exit 0; }
	exit 1
	;;
start) ;;
*) usage ;;
esac

[ "$(id -u)" = 0 ] || { say "must run as root (the Ceph daemons need it)"; exit 1; }
for b in ceph-mon ceph-osd ceph radosgw radosgw-admin uuidgen curl ss; do
	command -v $b >/dev/null || { say "missing $b (run scripts/deps.sh test)"; exit 1; }
done

t0=$(date +%s%N)
# A previous run in this DIR? Stop it through its pidfiles first.
if ls "$D"/*.pid >/dev/null 2>&1; then
	say "a previous cluster in $D: stopping it first"
	do_stop || { say "could not stop the previous cluster in $D"; exit 1; }
fi

# A free port that none of the ports already chosen ($PORT $MON2 $MON1) uses.
fresh_port() {
	local p
	while :; do
		p=$(free_port)
		[ "$p" != "${PORT:-}" ] && [ "$p" != "$MON2" ] && [ "$p" != "$MON1" ] && break
	done
	echo "$p"
}
PORT=${3:-}
[ -n "$PORT" ] || PORT=$(fresh_port)
[ "$MON2" != auto ] || MON2=$(fresh_port)
[ "$MON1" != auto ] || MON1=$(fresh_port)
[[ $PORT =~ ^[0-9]+$ ]] || usage
[[ $MON2 =~ ^[0-9]+$ ]] || { say "RGW_MON_PORT must be a port number or auto, not '$MON2'"; exit 2; }
[[ $MON1 =~ ^[0-9]+$ ]] || { say "RGW_MON_PORT_V1 must be a port number or auto, not '$MON1'"; exit 2; }
[ "$MON1" != "$MON2" ] || { say "RGW_MON_PORT and RGW_MON_PORT_V1 must differ (both $MON2)"; exit 2; }

busy=""
for p in "$MON2" "$MON1"; do port_busy "$p" && busy="$busy $p"; done
if [ -n "$busy" ]; then
	say "the Ceph monitor port(s)$busy on 127.0.0.1 are already in use:"
	ss -Hltnp "( sport = :$MON2 or sport = :$MON1 )" >&2 || true
	say "another Ceph cluster (e.g. another test run) is probably running; stop it with"
	say "'tests/peers/rgw.sh stop ITS_DIR', or leave RGW_MON_PORT/RGW_MON_PORT_V1 unset (free ports)."
	exit 1
fi
if port_busy "$PORT"; then say "port $PORT on 127.0.0.1 is already in use"; exit 1; fi
TLS_FRONTEND=""
if [ -n "${RGW_TLS_CERT:-}" ]; then
	TLSPORT=$(free_port); [ "$TLSPORT" != "$PORT" ] || TLSPORT=$(free_port)
	TLS_FRONTEND=" ssl_endpoint=127.0.0.1:$TLSPORT ssl_certificate=$(realpath "$RGW_TLS_CERT") ssl_private_key=$(realpath "${RGW_TLS_KEY:?RGW_TLS_KEY must go with RGW_TLS_CERT}")"
fi

rm -rf "$D"
mkdir -p "$D"/{run,log,mon,osd,rgw}
cat > "$D/ceph.conf" <<EOF
[global]
fsid = $(uuidgen)
run dir = $D/run
admin socket = $D/run/\$cluster-\$name.asok
auth cluster required = none
auth service required = none
auth client required = none
keyring = /dev/null
mon host = [v2:127.0.0.1:$MON2,v1:127.0.0.1:$MON1]
public addr = 127.0.0.1
cluster addr = 127.0.0.1
osd crush chooseleaf type = 0
osd pool default size = 1
osd pool default min size = 1
mon warn on pool no redundancy = false
log to stderr = false
err to stderr = false
log file = $D/log/\$name.log
[mon.0]
public addrv = [v2:127.0.0.1:$MON2,v1:127.0.0.1:$MON1]
mon data = $D/mon
pid file = $D/mon.pid
[osd.0]
osd data = $D/osd
osd objectstore = memstore
memstore device bytes = 2147483648
pid file = $D/osd.pid
[client.rgw]
ms mon client mode = crc
auth client required = none
rgw frontends = beast endpoint=127.0.0.1:$PORT$TLS_FRONTEND
rgw data = $D/rgw
rgw dns name = localhost
log file = $D/log/rgw.log
pid file = $D/rgw.pid
EOF

trap 'fail "interrupted"' INT TERM

# $1 seconds, then the rest: a bounded run of a step, its output to a log.
step() {
	local secs=$1; shift
	timeout "$secs" "$@" >>"$D/log/steps.out" 2>&1 || fail "step failed: $*"
}

say "starting mon (127.0.0.1:$MON2/$MON1)"
step 30 ceph-mon --id 0 --mkfs --keyring /dev/null
touch "$D/mon/keyring"
step 30 ceph-mon --id 0
step 30 ceph osd create
step 30 ceph osd crush add osd.0 1 root=default
say "starting osd (memstore)"
step 60 ceph-osd --id 0 --mkfs
step 30 ceph-osd --id 0
say "starting radosgw on 127.0.0.1:$PORT"
step 30 radosgw -n client.rgw

# Wait (bounded) for the gateway's port, then for the daemons to stay up.
deadline=$(( $(date +%s) + TIMEOUT ))
until (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; do
	[ "$(date +%s)" -lt "$deadline" ] || fail "radosgw did not open 127.0.0.1:$PORT within ${TIMEOUT}s"
	for p in mon osd rgw; do
		if [ -f "$D/$p.pid" ] && ! is_ours "$(tr -dc 0-9 < "$D/$p.pid")"; then
			fail "the $p daemon exited"
		fi
	done
	sleep 0.5
done

left=$(( deadline - $(date +%s) )); [ $left -gt 5 ] || left=5
if ! timeout "$left" radosgw-admin user info --uid=mcp-test >/dev/null 2>&1; then
	timeout "$left" radosgw-admin user create --uid=mcp-test --display-name="mcp-s3 tests" \
		--access-key="$AKEY" --secret-key="$SKEY" >>"$D/log/steps.out" 2>&1 \
		|| fail "radosgw-admin user create failed"
fi

# S3 answers a signed ListBuckets with 200 (the user may take a moment to be seen).
code=""
until [ "$code" = 200 ]; do
	code=$(s3_ping)
	[ "$code" = 200 ] && break
	[ "$(date +%s)" -lt "$deadline" ] || fail "S3 did not answer a signed ListBuckets with 200 within ${TIMEOUT}s (last HTTP status: ${code:-none})"
	sleep 0.5
done

echo "http://127.0.0.1:$PORT" > "$D/endpoint"
if [ -n "$TLS_FRONTEND" ]; then
	(exec 3<>"/dev/tcp/127.0.0.1/$TLSPORT") 2>/dev/null || fail "radosgw did not open its TLS port 127.0.0.1:$TLSPORT"
	echo "https://localhost:$TLSPORT" > "$D/tls_endpoint"
	say "TLS on https://localhost:$TLSPORT"
fi
trap - INT TERM
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
say "up in $((ms / 1000)).$(printf %03d $((ms % 1000))) s: http://127.0.0.1:$PORT (access key $AKEY; PIDs mon=$(cat "$D/mon.pid") osd=$(cat "$D/osd.pid") rgw=$(cat "$D/rgw.pid"))"
echo "http://127.0.0.1:$PORT"
