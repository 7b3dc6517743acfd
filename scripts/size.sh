#!/bin/sh
# size.sh LIMIT TARGET... — the size of build/TARGET/mcp-s3 for each target,
# with the bytes of BearSSL, musl libc and our own code (src/*.o), read from
# the link map the Makefile writes beside each binary (build/TARGET/mcp-s3.map,
# every input section kept after --gc-sections, with its object of origin).
# Only sections that take room in the file count (.text, .rodata, .data...;
# not .bss).  "libgcc, crt" is the compiler runtime (libgcc, crtbegin/crtend) and
# linker-made bytes; the rest of the file is ELF headers and alignment.
# Prints a Markdown table; exits 1 when a binary reaches LIMIT bytes.
set -eu
limit=$1; shift
cd "$(dirname "$0")/.."
kb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1024 }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f%%", b ? 100 * a / b : 0 }'; }

status=0
printf '| target | file bytes | KB | BearSSL | musl libc | mcp-s3 (src/) | libgcc, crt | headers, padding |\n'
printf '|---|---:|---:|---:|---:|---:|---:|---:|\n'
for t in "$@"; do
	bin=build/$t/mcp-s3 map=build/$t/mcp-s3.map
	[ -f "$bin" ] && [ -f "$map" ] || { echo "size.sh: $bin or $map missing (make cross)" >&2; exit 1; }
	size=$(wc -c < "$bin" | tr -d ' ')
	set -- $(awk '
	function hex(h,   i, n) {
		n = 0; h = tolower(substr(h, 3))
		for (i = 1; i <= length(h); i++)
			n = n * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
		return n
	}
	# Output sections that occupy no file space, or are not loaded.
	function skip(s) {
		return s ~ /^\.(bss|tbss|comment|debug|stab|line|ARM\.attributes|gnu\.attributes|gnu\.build\.attributes|note\.GNU-stack)/ || s == "/DISCARD/"
	}
	/^Linker script and memory map/ { on = 1; next }
	!on { next }
	/^\.[^ ]*/ || /^\/DISCARD\// { out = $1; pend = ""; next }
	# An input section: " .name ADDR SIZE FILE", or " .name" alone and
	# "ADDR SIZE FILE" on the next line.
	/^ \.[^ ]+$/ { pend = $1; next }
	{
		if (pend != "" && $1 ~ /^0x/ && $2 ~ /^0x/ && NF >= 3) {
			sz = hex($2); file = $3; pend = ""
		} else if ($1 ~ /^\./ && $2 ~ /^0x/ && $3 ~ /^0x/ && NF >= 4) {
			sz = hex($3); file = $4; pend = ""
		} else { pend = ""; next }
		if (skip(out)) next
		if (file ~ /libbearssl\.a\(/) br += sz
		else if (file ~ /-musl[a-z]*\//) musl += sz
		# our objects, or with -flto the one object made of them all
		else if (file ~ /\/obj\/[^\/]*\.o$/ || file ~ /\.ltrans[0-9]*\.ltrans\.o$/) own += sz
		else other += sz
	}
	END { printf "%d %d %d %d\n", br, musl, own, other }
	' "$map")
	br=$1 musl=$2 own=$3 other=$4
	rest=$((size - br - musl - own - other))
	printf '| %s | %d | %s | %s KB (%s) | %s KB (%s) | %s KB (%s) | %s KB | %s KB |\n' "$t" "$size" "$(kb "$size")" \
	    "$(kb "$br")" "$(pct "$br" "$size")" "$(kb "$musl")" "$(pct "$musl" "$size")" \
	    "$(kb "$own")" "$(pct "$own" "$size")" "$(kb "$other")" "$(kb "$rest")"
	if [ "$size" -ge "$limit" ]; then
		echo "size.sh: $bin is $size bytes, the limit is $limit" >&2
		status=1
	fi
done
[ $status = 0 ] && echo "all binaries under $limit bytes"
exit $status
