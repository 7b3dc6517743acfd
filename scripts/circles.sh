#!/bin/sh
# circles.sh [OBJDIR] - the module graph of the built objects and its
# circles.  An edge A -> B means A.o uses a symbol that B.o defines (nm -u
# against nm --defined-only); tsort(1) names every loop it has to break.
# Prints the edges' count and each circle; exits 1 when there is one.
# Default OBJDIR: build/x86_64/obj (make build/mcp-s3 first).
set -eu
LC_ALL=C
export LC_ALL
dir=${1:-build/x86_64/obj}
NM=${NM:-nm}
ls "$dir"/*.o >/dev/null 2>&1 || { echo "circles.sh: no objects in $dir" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for o in "$dir"/*.o; do
	m=$(basename "$o" .o)
	$NM --defined-only "$o" | awk -v m="$m" 'NF == 3 && $2 ~ /[A-Z]/ { print $3, m }'
done | sort -u > "$tmp/defs"
for o in "$dir"/*.o; do
	m=$(basename "$o" .o)
	$NM -u "$o" | awk -v m="$m" '{ print $NF, m }'
done | sort -u > "$tmp/uses"
# symbol user, symbol definer -> "user definer", self-edges dropped.
join "$tmp/uses" "$tmp/defs" | awk '$2 != $3 { print $2, $3 }' | sort -u > "$tmp/edges"
echo "$(wc -l < "$tmp/edges") edges among $(ls "$dir"/*.o | wc -l) objects"
# A node alone on a line keeps objects without edges in the graph.
if { cat "$tmp/edges"; for o in "$dir"/*.o; do m=$(basename "$o" .o); echo "$m $m"; done; } |
    tsort > /dev/null 2> "$tmp/loops"; then
	echo "no circles"
	exit 0
fi
# tsort prints "tsort: -: input contains a loop:" and then the members.
awk '/input contains a loop/ { if (c != "") print "circle:" c; c = ""; next }
    { sub(/^tsort: /, ""); c = c " " $0 }
    END { if (c != "") print "circle:" c }' "$tmp/loops"
exit 1
