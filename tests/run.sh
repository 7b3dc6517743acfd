#!/bin/bash
# tests/run.sh — every suite of mcp-s3; `make test` runs it after building
# build/mcp-s3, the unit tests (plain and ASan/UBSan), the fuzz replays, and
# (make test-cross) the aarch64 and armhf binaries and unit tests.
#
#   0. lint             make lint: cppcheck and clang --analyze over src/
#   1. unit tests       build/host/tests/test_*  and  build/asan/tests/test_*
#   2. fuzz replays     build/{host,asan}/fuzz/fuzz_NAME over tests/fuzz/corpus/NAME/
#   3. no S3            tests/integration/test_protocol.py, then every other
#                       tests/integration/test_*.py without a "# needs: rgw" line
#   4. ARM, no S3       for each of CROSS_TARGETS (aarch64 armhf): the unit tests
#                       build/TARGET/tests/test_* under qemu-user, and the suites
#                       of step 3 with MCP_S3_BIN=build/TARGET/mcp-s3.qemu
#   4b. ARM kernels     tests/kernel/run.py (make test-kernel): Debian's arm64
#                       and armmp-lpae kernels under qemu-system, a session on
#                       the sandboxed aarch64 and armhf binaries in each guest
#                       (console logs build/test-logs/kernel-*.log)
#   5. a Ceph RGW in build/rgw-test on a free port (started in the background
#      at step 1), seeded by tests/peers/seed.sh
#   6. on RGW           every tests/integration/test_*.py whose first 20 lines
#                       hold the line "# needs: rgw" (test_read.py ...), and
#                       tests/e2e/*.test.mjs (MCP TypeScript SDK); then the same
#                       for each ARM target under qemu-user, the targets
#                       side by side (one background job each)
#   7. empty root       tests/release/test_emptyroot.py: build/mcp-s3 alone in a
#                       fresh root, chroot, uid 65534, an MCP session on RGW
#   RGW is stopped by its PIDs here, also on failure or interrupt.
#   8. memory safety    on RGW: suites run on build/asan/mcp-s3 (the server
#                       under ASan+UBSan; any sanitizer report fails), and under
#                       valgrind memcheck on the static build/mcp-s3 and on
#                       build/host/mcp-s3 (dynamic, so memcheck tracks the heap);
#                       any valgrind report fails. The sandbox is off there
#                       (the tools' own system calls are not in its allow-list).
#   9. release          `make size` (every binary under 1 MB), `make dist`, then
#                       tests/release/test_mcpb.py (the MCP Bundles validated by
#                       `mcpb validate`, the x86_64 one installed and serving an
#                       MCP session, server.json's hashes; no S3), and
#                       tests/release/repro.sh (two clean builds, identical bytes)
#
# Every suite ends with "<name>: N passed, N failed"; a suite that crashes,
# times out or prints no such line counts as 1 failed. The last line of this
# script is the total "N passed, N failed"; the exit status is 1 if any failed.
# Logs: build/test-logs/. Runs as root (Ceph), needs no stdin, CI=true is fine.
# MCP_S3_TEST_CROSS="aarch64 armhf" (the default) names the qemu targets, ""
# skips them (and step 4b); MCP_S3_TEST_REPRO=0 skips the reproducibility
# build; MCP_S3_TEST_KERNEL=0 skips step 4b.
# Under qemu only the suites named by MCP_S3_TEST_CROSS_SUITES run (default
# below: protocol, hostile input, reads, the message budget, TLS and the
# SDK), since qemu makes every call slow and the rest is target-independent C;
# MCP_S3_TEST_MEMCHECK=0 skips step 8.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
LOGS=$ROOT/build/test-logs
RGWDIR=$ROOT/build/rgw-test
mkdir -p "$LOGS"
exec </dev/null
# Trust settings: the suites talk plain http to 127.0.0.1 only; make the
# environment's CA-bundle variables irrelevant (rclone and others choke on them).
unset AWS_CA_BUNDLE AWS_PROFILE AWS_DEFAULT_PROFILE AWS_ENDPOINT_URL
export RGW_ACCESS_KEY=${RGW_ACCESS_KEY:-MCPS3TESTACCESSKEY01}
export RGW_SECRET_KEY=${RGW_SECRET_KEY:-mcp-s3-test-secret-key-0123456789abcdef}
export PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1

CROSS_TARGETS=${MCP_S3_TEST_CROSS-aarch64 armhf}
CROSS_SUITES=" ${MCP_S3_TEST_CROSS_SUITES-test_protocol.py test_hostile.py test_read.py test_budget.py test_tls.py sdk.test.mjs} "
in_cross() { [[ $CROSS_SUITES == *" $1 "* ]]; }

TOTAL_P=0
TOTAL_F=0
TABLE=()
RGWJOB=""
RGW_STARTED=0
XJOBS=()

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
secs() { local d=$(( $(now_ms) - $1 )); echo "$((d / 1000)).$(( (d % 1000) / 100 ))s"; }

add() {	# add NAME PASSED FAILED NOTE
	TOTAL_P=$((TOTAL_P + $2)); TOTAL_F=$((TOTAL_F + $3))
	TABLE+=("$(printf '%-34s %5s passed %4s failed  %s' "$1" "$2" "$3" "${4:-}")")
}

# bounded SECONDS LOG CMD... — runs CMD under timeout(1) in the background and
# waits for it, so that a signal to this script is handled at once (on_signal
# then stops CHILD); returns CMD's exit status (124 when it timed out).
CHILD=""
bounded() {
	local secs=$1 log=$2 rc; shift 2
	timeout --kill-after=10 "$secs" "$@" >"$log" 2>&1 &
	CHILD=$!
	wait "$CHILD"
	rc=$?
	CHILD=""
	return $rc
}

# run_suite NAME SECONDS CMD... — runs a suite with a bound, tees its output to
# build/test-logs/NAME.log and adds its closing "N passed, N failed".
run_suite() {
	local name=$1 secs=$2; shift 2
	local log=$LOGS/${name//\//_}.log t0 rc line p f note=""
	echo "=== $name"
	t0=$(now_ms)
	bounded "$secs" "$log" "$@"
	rc=$?
	cat "$log"
	line=$(grep -aE '^[^ ].*: [0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
	if [ -n "$line" ]; then
		p=$(sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed$/\1/' <<<"$line")
		f=$(sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed$/\2/' <<<"$line")
		if [ $rc != 0 ] && [ "$f" = 0 ]; then f=1; note="exit status $rc after its summary"; fi
	else
		p=0; f=1; note="no summary line (exit status $rc)"
	fi
	[ $rc = 124 ] || [ $rc = 137 ] && note="timed out after ${secs}s"
	add "$name" "$p" "$f" "$note $(secs "$t0")"
	[ -z "$note" ] || echo "!!! $name: $note"
}

# run_plain NAME SECONDS CMD... — a suite without a summary line: 1 passed when
# it exits 0, else 1 failed.
run_plain() {
	local name=$1 secs=$2; shift 2
	local log=$LOGS/${name//\//_}.log t0 rc
	echo "=== $name"
	t0=$(now_ms)
	bounded "$secs" "$log" "$@"
	rc=$?
	cat "$log"
	if [ $rc = 0 ]; then add "$name" 1 0 "$(secs "$t0")"
	else add "$name" 0 1 "exit status $rc $(secs "$t0")"; echo "!!! $name: exit status $rc"; fi
}

stop_rgw() {
	if [ -n "$RGWJOB" ] && kill -0 "$RGWJOB" 2>/dev/null; then
		kill -TERM "$RGWJOB" 2>/dev/null
		wait "$RGWJOB" 2>/dev/null
	fi
	RGWJOB=""
	if [ -d "$RGWDIR" ]; then
		tests/peers/rgw.sh stop "$RGWDIR" >>"$LOGS/rgw-start.log" 2>&1 ||
			echo "run.sh: could not stop RGW in $RGWDIR (see $LOGS/rgw-start.log)" >&2
	fi
}

rgw_tail() {
	local f
	echo "----- RGW logs ($RGWDIR/log), last lines:"
	for f in "$LOGS/rgw-start.log" "$RGWDIR"/log/rgw.log "$RGWDIR"/log/osd.0.log "$RGWDIR"/log/mon.0.log; do
		[ -s "$f" ] || continue
		echo "--- $f"; tail -n 15 "$f"
	done
}

on_signal() {
	trap '' INT TERM HUP
	echo "run.sh: interrupted; stopping RGW" >&2
	if [ -n "$CHILD" ]; then kill -TERM "$CHILD" 2>/dev/null; wait "$CHILD" 2>/dev/null; fi
	for pid in "${XJOBS[@]+"${XJOBS[@]}"}"; do kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
	stop_rgw
	add "interrupted" 0 1
	printf '%s\n' "${TABLE[@]}"
	echo "$TOTAL_P passed, $TOTAL_F failed"
	exit 1
}
trap on_signal INT TERM HUP
trap stop_rgw EXIT

T0=$(now_ms)
[ "$(id -u)" = 0 ] || echo "run.sh: not root: the Ceph daemons will probably not start" >&2

# RGW starts in the background while the suites that need no S3 run.
tests/peers/rgw.sh start "$RGWDIR" >"$LOGS/rgw-endpoint" 2>"$LOGS/rgw-start.log" &
RGWJOB=$!
RGW_T0=$(now_ms)

# 0. static analysis (scripts/lint.sh): no S3, a minute or two
run_suite lint 600 make --no-print-directory lint

# 1. unit tests, both flavours
shopt -s nullglob
units=(build/host/tests/test_* build/asan/tests/test_*)
[ ${#units[@]} -gt 0 ] || { echo "!!! no unit test binaries under build/host/tests or build/asan/tests"; add "unit tests (none built)" 0 1; }
for t in "${units[@]}"; do
	[ -x "$t" ] && [ -f "$t" ] || continue
	run_suite "${t#build/}" 300 "$t"
done

# 2. fuzz replays over their seed corpora (1 pass each)
fuzzers=(build/host/fuzz/fuzz_* build/asan/fuzz/fuzz_*)
for z in "${fuzzers[@]}"; do
	[ -x "$z" ] && [ -f "$z" ] || continue
	n=${z##*/fuzz_}
	if [ -d "tests/fuzz/corpus/$n" ]; then
		run_plain "${z#build/} corpus/$n" 300 "$z" "tests/fuzz/corpus/$n"
	else
		echo "!!! $z: no corpus tests/fuzz/corpus/$n"; add "${z#build/}" 0 1 "no corpus"
	fi
done
for c in tests/fuzz/corpus/*/; do
	n=$(basename "$c")
	[ -x "build/host/fuzz/fuzz_$n" ] || { echo "!!! corpus $c has no build/host/fuzz/fuzz_$n"; add "host/fuzz/fuzz_$n" 0 1 "not built"; }
done
shopt -u nullglob

# 3. protocol, and every other integration suite that needs no S3: a suite
# needs the seeded RGW when one of its first 20 lines is "# needs: rgw".
needs_rgw() { head -n 20 "$1" | grep -qE '^# needs: rgw[[:space:]]*$'; }
NO_S3=(tests/integration/test_protocol.py)
ON_RGW=()
for t in tests/integration/test_*.py; do
	if needs_rgw "$t"; then ON_RGW+=("$t")
	elif [ "$t" != tests/integration/test_protocol.py ]; then NO_S3+=("$t"); fi
done
for t in "${NO_S3[@]}"; do
	run_suite "${t##*/}" 600 python3 "$t"
done

# 4. ARM binaries under qemu-user: unit tests, then the suites of step 3.
# build/TARGET/mcp-s3.qemu (written by the Makefile) runs the binary under
# qemu, so the Python driver and the SDK suite take it as MCP_S3_BIN.
cross_ready() {	# cross_ready TARGET — 0 when its binary, wrapper and qemu exist
	local q
	q=$(sed -n 's/^QEMU *= *//p' "cross/$1.mk" 2>/dev/null)
	[ -n "$q" ] && command -v "$q" >/dev/null && [ -x "build/$1/mcp-s3.qemu" ] && [ -x "build/$1/mcp-s3" ]
}
for x in $CROSS_TARGETS; do
	if ! cross_ready "$x"; then
		echo "!!! $x: build/$x/mcp-s3(.qemu) or qemu missing (make test-cross)"
		add "$x (not built)" 0 1
		continue
	fi
	q=$(sed -n 's/^QEMU *= *//p' "cross/$x.mk")
	xu=(build/$x/tests/test_*)
	[ -e "${xu[0]}" ] || { echo "!!! no unit tests under build/$x/tests"; add "$x/tests (none built)" 0 1; }
	for t in "${xu[@]}"; do
		[ -x "$t" ] && [ -f "$t" ] || continue
		run_suite "${t#build/}" 600 "$q" "$t"
	done
	for t in "${NO_S3[@]}"; do
		in_cross "${t##*/}" || continue
		run_suite "$x/${t##*/}" 600 env MCP_S3_BIN="$ROOT/build/$x/mcp-s3.qemu" python3 "$t"
	done
done

# 4b. the sandbox on real ARM kernels (qemu-system, TCG): well under 3 min.
if [ -n "$CROSS_TARGETS" ] && [ "${MCP_S3_TEST_KERNEL:-1}" != 0 ]; then
	run_suite test_kernel 600 python3 tests/kernel/run.py
fi

# 5. RGW up, seeded
echo "=== RGW (build/rgw-test)"
if wait "$RGWJOB"; then
	RGWJOB=""
	EP=$(tail -n 1 "$LOGS/rgw-endpoint")
	RGW_STARTED=1
	echo "RGW up at $EP ($(grep -a 'up in' "$LOGS/rgw-start.log" | sed 's/.*up in \([0-9.]* s\).*/\1/'))"
	t0=$(now_ms)
	if bounded 600 "$LOGS/seed.log" tests/peers/seed.sh "$EP"; then
		echo "seeded in $(secs "$t0")"
	else
		cat "$LOGS/seed.log"
		echo "!!! seeding failed"
		add "seed.sh" 0 1
	fi
else
	RGWJOB=""
	cat "$LOGS/rgw-start.log"
	echo "!!! RGW did not start"
	add "rgw.sh start" 0 1
	EP=""
fi

# 6, 7. suites on RGW: host binary, then each ARM binary under qemu; then
# the empty root
rgw_suites() {	# rgw_suites PREFIX [cross] — with MCP_S3_BIN already set
	local t e
	for t in "${ON_RGW[@]}"; do
		[ -z "${2:-}" ] || in_cross "${t##*/}" || continue
		run_suite "$1${t##*/}" 900 python3 "$t"
	done
	for e in tests/e2e/*.test.mjs; do
		[ -f "$e" ] || continue
		[ -z "${2:-}" ] || in_cross "${e##*/}" || continue
		run_suite "${1}e2e/${e##*/}" 600 node "$e"
	done
}

# The ARM targets' suites on RGW run side by side, one background job per
# target (qemu's calls mostly wait on each other and on RGW, so two targets
# take little more than one): each job keeps its output, its table lines and
# its totals in build/test-logs/cross-TARGET.*, added here when all are done.
# The suites that run there do not write shared objects (sdk.test.mjs writes
# into a bucket of its own), so the targets cannot disturb each other.
cross_rgw_side_by_side() {
	local x jobs=() names=() i line p f
	for x in $CROSS_TARGETS; do
		cross_ready "$x" || { add "$x on RGW (not built)" 0 1; continue; }
		rm -f "$LOGS/cross-$x.table" "$LOGS/cross-$x.totals"
		(
			trap '[ -z "$CHILD" ] || kill -TERM "$CHILD" 2>/dev/null; exit 1' TERM INT HUP
			TABLE=(); TOTAL_P=0; TOTAL_F=0
			export MCP_S3_BIN=$ROOT/build/$x/mcp-s3.qemu
			rgw_suites "$x/" cross
			printf '%s\n' "${TABLE[@]+"${TABLE[@]}"}" >"$LOGS/cross-$x.table"
			echo "$TOTAL_P $TOTAL_F" >"$LOGS/cross-$x.totals"
		) >"$LOGS/cross-$x.out" 2>&1 &
		jobs+=("$!"); names+=("$x")
	done
	XJOBS=("${jobs[@]+"${jobs[@]}"}")
	for i in "${!jobs[@]}"; do
		x=${names[$i]}
		CHILD=${jobs[$i]}
		wait "${jobs[$i]}"
		CHILD=""
		cat "$LOGS/cross-$x.out"
		if [ -s "$LOGS/cross-$x.totals" ]; then
			read -r p f <"$LOGS/cross-$x.totals"
			TOTAL_P=$((TOTAL_P + p)); TOTAL_F=$((TOTAL_F + f))
			while IFS= read -r line; do
				[ -z "$line" ] || TABLE+=("$line")
			done <"$LOGS/cross-$x.table"
		else
			add "$x on RGW" 0 1 "its job ended without totals"
		fi
	done
	XJOBS=()
}

# memcheck_logs NAME DIR — 1 passed when no file in DIR holds a report,
# else 1 failed per such file (its first lines shown). valgrind writes one
# log per process (empty when clean); the sanitizers write a file only for a
# report, so "0 log files" is the clean case there.
memcheck_logs() {
	local name=$1 dir=$2 f n=0 bad=0
	echo "=== $name"
	for f in "$dir"/*; do
		[ -f "$f" ] || continue
		n=$((n + 1))
		[ -s "$f" ] || continue
		bad=$((bad + 1))
		echo "--- $f"; head -n 30 "$f"
	done
	echo "$name: $n log files, $bad with a report"
	if [ $bad = 0 ]; then add "$name" 1 0 "$n log files, none with a report"
	else add "$name" 0 "$bad" "reports in $dir"; fi
}

# Step 8: the suites on the ASan+UBSan server and under valgrind.
memcheck() {
	local t d
	[ "${MCP_S3_TEST_MEMCHECK:-1}" != 0 ] || return 0
	d=$LOGS/asan; rm -rf "$d"; mkdir -p "$d"
	if [ -x build/asan/mcp-s3 ]; then
		for t in tests/integration/test_protocol.py tests/integration/test_hostile.py \
		    tests/integration/test_read.py tests/integration/test_write.py \
		    tests/integration/test_rules.py tests/integration/test_audit.py \
		    tests/integration/test_creds.py tests/integration/test_check.py \
		    tests/integration/test_tls.py tests/integration/test_ratelimit.py \
		    tests/integration/test_hostile_peer.py tests/integration/test_listing_fake.py; do
			[ -f "$t" ] || continue
			run_suite "asan/${t##*/}" 900 env MCP_S3_BIN="$ROOT/build/asan/mcp-s3" \
			    MCP_S3_TEST_SANDBOX=off ASAN_OPTIONS="log_path=$d/asan:detect_leaks=1:abort_on_error=0" \
			    UBSAN_OPTIONS="log_path=$d/ubsan:print_stacktrace=1:halt_on_error=1" python3 "$t"
		done
		memcheck_logs "asan+ubsan reports" "$d"
	else
		add "build/asan/mcp-s3 (not built: make check-servers)" 0 1
	fi
	command -v valgrind >/dev/null || { add "valgrind (missing)" 0 1; return 0; }
	d=$LOGS/valgrind-static; rm -rf "$d"; mkdir -p "$d"
	for t in test_protocol.py test_read.py; do
		run_suite "valgrind/static/$t" 1200 env MCP_S3_VALGRIND="$d" MCP_S3_TEST_WAIT=60 \
		    python3 "tests/integration/$t"
	done
	memcheck_logs "valgrind reports (static build/mcp-s3)" "$d"
	if [ -x build/host/mcp-s3 ]; then
		d=$LOGS/valgrind-host; rm -rf "$d"; mkdir -p "$d"
		for t in test_hostile.py test_read.py test_write.py; do
			run_suite "valgrind/host/$t" 1200 env MCP_S3_BIN="$ROOT/build/host/mcp-s3" \
			    MCP_S3_VALGRIND="$d" MCP_S3_TEST_WAIT=60 python3 "tests/integration/$t"
		done
		memcheck_logs "valgrind reports (build/host/mcp-s3)" "$d"
	else
		add "build/host/mcp-s3 (not built: make check-servers)" 0 1
	fi
}
if [ -n "$EP" ]; then
	export MCP_S3_TEST_ENDPOINT=$EP
	F0=$TOTAL_F
	rgw_suites ""
	cross_rgw_side_by_side
	run_suite test_emptyroot.py 300 python3 tests/release/test_emptyroot.py
	memcheck
	[ "$TOTAL_F" = "$F0" ] || rgw_tail
else
	for t in "${ON_RGW[@]}"; do add "${t##*/} (no RGW)" 0 1; done
	add "e2e (no RGW)" 0 1
	add "test_emptyroot.py (no RGW)" 0 1
	rgw_tail
fi

stop_rgw
trap - EXIT

# 9. release checks: sizes, the release files of make dist, and two clean
# builds with identical bytes
run_plain "make size" 600 make --no-print-directory size
run_plain "make dist" 600 make --no-print-directory dist
run_suite test_mcpb.py 300 python3 tests/release/test_mcpb.py
if [ "${MCP_S3_TEST_REPRO:-1}" != 0 ]; then
	run_suite repro.sh 1800 bash tests/release/repro.sh
fi

echo
echo "=== summary ($(secs "$T0"))"
printf '%s\n' "${TABLE[@]}"
echo "$TOTAL_P passed, $TOTAL_F failed"
[ "$TOTAL_F" = 0 ]
