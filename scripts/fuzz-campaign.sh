#!/bin/sh
# fuzz-campaign.sh [-j JOBS] [-w WORKERS] [-n RUNS] [-t SECONDS] [-m MAXKEEP]
#     [-o LOGDIR] [-B] [-N] [TARGET...]
#
# Runs each libFuzzer target (build/fuzz/fuzz_NAME, ASan+UBSan, built by
# `make fuzz-build` unless -B) until it has executed RUNS inputs (default
# 10000000) or for SECONDS (-t, default no limit), JOBS targets at a time
# (default 2), each under nice -n 19.  With -w, each target runs as WORKERS
# processes on its one corpus directory (libFuzzer reloads what the others
# add), each for RUNS/WORKERS inputs; the table adds their executions.
# A target starts from its persistent corpus build/fuzz/fuzz_NAME.corpus
# and the committed seeds tests/fuzz/corpus/NAME, with the libFuzzer
# options of tests/fuzz/NAME.options.  Its log is LOGDIR/NAME.log (default
# build/fuzz/campaign); a finding is written as build/fuzz/NAME-crash-...
# (or leak-, timeout-, oom-) and stops that target.
#
# Afterwards, for each target: the grown corpus is minimised (-merge=1)
# into a fresh build/fuzz/fuzz_NAME.corpus; the inputs that add coverage
# beyond the seeds are merged into a copy of the seeds, and the smallest
# MAXKEEP (default 200) of them, none over KEEP_BYTES, are copied into
# tests/fuzz/corpus/NAME, so that `make test` replays them.  With -N, nothing
# under tests/ or docs/ is changed (the table is only printed).
#
# Prints a Markdown table of every target logged in LOGDIR (executions,
# wall seconds, execs/s, cov, ft, corpus files, new seeds, findings) to
# stdout and LOGDIR/table.md,
# and puts it between the campaign markers of docs/fuzzing.md.
# Exits 1 when a target had a finding or did not finish.
set -eu
cd "$(dirname "$0")/.."

JOBS=2
WORKERS=1
RUNS=10000000
MAXKEEP=200
KEEP_BYTES=2048
SECONDS_MAX=0
LOGDIR=build/fuzz/campaign
BUILD=1
KEEP=1
while getopts j:w:n:t:m:o:BN opt; do
	case $opt in
	j) JOBS=$OPTARG ;;
	w) WORKERS=$OPTARG ;;
	n) RUNS=$OPTARG ;;
	t) SECONDS_MAX=$OPTARG ;;
	m) MAXKEEP=$OPTARG ;;
	o) LOGDIR=$OPTARG ;;
	B) BUILD=0 ;;
	N) KEEP=0 ;;
	*) echo "usage: $0 [-j JOBS] [-w WORKERS] [-n RUNS] [-t SECONDS] [-m MAXKEEP] [-o LOGDIR] [-B] [-N] [TARGET...]" >&2
	   exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if [ $# -eq 0 ]; then
	set -- $(ls tests/fuzz/fuzz_*.c | sed 's|.*/fuzz_||; s|\.c$||')
fi
[ "$BUILD" -eq 0 ] || nice -n 19 make --no-print-directory -j"$JOBS" \
    $(for t in "$@"; do printf 'build/fuzz/fuzz_%s ' "$t"; done) >/dev/null
mkdir -p "$LOGDIR"
# Findings of this campaign are the artifacts newer than this stamp.
touch "$LOGDIR/.started"

# One target: run, then minimise and harvest.  Called through xargs, as
# this script with FUZZ_CAMPAIGN_ONE=NAME in the environment.
run_one() {
	t=$1
	bin=build/fuzz/fuzz_$t
	corp=build/fuzz/fuzz_$t.corpus
	log=$LOGDIR/$t.log
	opts=$(cat tests/fuzz/$t.options 2>/dev/null || true)
	mkdir -p "$corp"
	start=$(date +%s)
	# Worker 0 logs to NAME.log, worker I to NAME.wI.log.
	rm -f "$LOGDIR/$t".w*.log
	per=$(( (RUNS + WORKERS - 1) / WORKERS ))
	pids= i=0
	while [ "$i" -lt "$WORKERS" ]; do
		l=$log
		[ "$i" -eq 0 ] || l=$LOGDIR/$t.w$i.log
		# shellcheck disable=SC2086
		nice -n 19 "$bin" -runs="$per" -max_total_time="$SECONDS_MAX" \
		    -print_final_stats=1 -timeout=10 \
		    -artifact_prefix="build/fuzz/$t-" $opts \
		    "$corp" "tests/fuzz/corpus/$t" > "$l" 2>&1 &
		pids="$pids $!"
		i=$((i + 1))
	done
	rc=0
	for p in $pids; do
		wait "$p" || rc=$?
	done
	end=$(date +%s)
	echo "wall_seconds: $((end - start)) exit: $rc" >> "$log"

	# Minimise the grown corpus (the committed seeds are not repeated).
	rm -rf "$corp.min" "$LOGDIR/$t.seeds"
	mkdir -p "$corp.min" "$LOGDIR/$t.seeds"
	# shellcheck disable=SC2086
	nice -n 19 "$bin" -merge=1 $opts "$corp.min" "$corp" \
	    > "$LOGDIR/$t.merge.log" 2>&1 && {
		rm -rf "$corp"; mv "$corp.min" "$corp"; } || rm -rf "$corp.min"
	[ "$KEEP" -eq 1 ] || return 0
	# What adds coverage beyond the seeds: merged into a copy of them.
	cp tests/fuzz/corpus/$t/* "$LOGDIR/$t.seeds/"
	ls "$LOGDIR/$t.seeds" | sort > "$LOGDIR/$t.before"
	# shellcheck disable=SC2086
	nice -n 19 "$bin" -merge=1 $opts "$LOGDIR/$t.seeds" "$corp" \
	    > "$LOGDIR/$t.harvest.log" 2>&1 || true
	ls "$LOGDIR/$t.seeds" | sort | comm -13 "$LOGDIR/$t.before" - |
	while read -r f; do
		s=$(wc -c < "$LOGDIR/$t.seeds/$f")
		[ "$s" -le "$KEEP_BYTES" ] && echo "$s $f"
	done | sort -n | head -n "$MAXKEEP" | while read -r s f; do
		cp "$LOGDIR/$t.seeds/$f" "tests/fuzz/corpus/$t/fuzz-$f"
		echo "$f"
	done > "$LOGDIR/$t.kept"
	rm -rf "$LOGDIR/$t.seeds" "$LOGDIR/$t.before"
}

if [ -n "${FUZZ_CAMPAIGN_ONE:-}" ]; then
	run_one "$FUZZ_CAMPAIGN_ONE"
	exit 0
fi

for t in "$@"; do echo "$t"; done |
    xargs -P "$JOBS" -I{} env FUZZ_CAMPAIGN_ONE={} sh "$0" -B -j "$JOBS" \
    -w "$WORKERS" \
    -n "$RUNS" -t "$SECONDS_MAX" -m "$MAXKEEP" -o "$LOGDIR" \
    $([ "$KEEP" -eq 1 ] || echo -N)

# The table, from each log: libFuzzer's final stats and last status line.
table() {
	printf '| target | executions | wall s | execs/s | cov | ft | corpus files | new seeds | findings |\n'
	printf '|---|---:|---:|---:|---:|---:|---:|---:|---|\n'
	for t in "$@"; do
		log=$LOGDIR/$t.log
		# Summed over the workers' logs.
		execs=$(for l in "$log" "$LOGDIR/$t".w*.log; do
			[ ! -f "$l" ] || sed -n 's/^stat::number_of_executed_units: *//p' \
			    "$l" | tail -n 1
		done | awk '{ n += $1 } END { if (NR) print n }')
		wall=$(sed -n 's/^wall_seconds: \([0-9]*\).*/\1/p' "$log" | tail -n 1)
		last=$(grep -a ' cov: ' "$log" | tail -n 1)
		cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
		ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
		if [ -z "$execs" ]; then
			execs=$(echo "$last" | sed -n 's/^#\([0-9]*\).*/\1/p')
		fi
		rate=$(awk -v e="${execs:-0}" -v w="${wall:-0}" \
		    'BEGIN { printf "%d", (w > 0 ? e / w : 0) }')
		files=$(ls "build/fuzz/fuzz_$t.corpus" | wc -l | tr -d ' ')
		kept=0
		[ ! -f "$LOGDIR/$t.kept" ] || kept=$(wc -l < "$LOGDIR/$t.kept" | tr -d ' ')
		found=$(find build/fuzz -maxdepth 1 -type f -newer "$LOGDIR/.started" \
		    -name "$t-*" 2>/dev/null | sed 's|.*/||' |
		    grep -E "^$t-(crash|leak|timeout|oom|slow-unit)-" | tr '\n' ' ' || true)
		if grep -q 'exit: 0' "$log" && [ -z "$found" ]; then
			found=none
		elif [ -z "$found" ]; then
			found="stopped: $(grep -a -m1 -E 'ERROR|==[0-9]+==' "$log" | cut -c1-60)"
		fi
		printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$t" \
		    "${execs:-?}" "${wall:-?}" "$rate" "${cov:-?}" "${ft:-?}" \
		    "$files" "${kept:-0}" "$found"
	done
}
# Every target with a log in LOGDIR, so that campaigns run in parts
# still give one table.
table $(ls "$LOGDIR" | sed -n 's/^\([a-z0-9_]*\)\.log$/\1/p') > "$LOGDIR/table.md"
cat "$LOGDIR/table.md"

# docs/fuzzing.md: the table between the markers, with the date and RUNS.
if [ "$KEEP" -eq 1 ] && [ -f docs/fuzzing.md ] && grep -q '^<!-- campaign -->' docs/fuzzing.md; then
	{
		sed '/^<!-- campaign -->/q' docs/fuzzing.md
		printf '\nCampaign finished %s UTC; %s executions asked per target' \
		    "$(date -u '+%Y-%m-%d %H:%M')" "$RUNS"
		[ "$SECONDS_MAX" -eq 0 ] || printf ' (or %s s)' "$SECONDS_MAX"
		printf ', %s jobs, ' "$JOBS"
		printf 'on %s CPU cores (%s):\n\n' "$(nproc)" \
		    "$(sed -n 's/^model name[^:]*: *//p' /proc/cpuinfo | head -n 1)"
		cat "$LOGDIR/table.md"
		echo
		sed -n '/^<!-- \/campaign -->/,$p' docs/fuzzing.md
	} > docs/fuzzing.md.tmp && mv docs/fuzzing.md.tmp docs/fuzzing.md
fi
! grep -q 'stopped\|crash\|leak\|timeout\|oom' "$LOGDIR/table.md"
