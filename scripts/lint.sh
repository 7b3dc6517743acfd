#!/bin/sh
# lint.sh BEARSSL_INC -DNAME=VALUE... — `make lint`: two static analysers over
# every src/*.c (and, through them, the include/*.h they include), with the
# Makefile's defines so that they see what the compiler sees:
#
#   cppcheck      --enable=warning,style,performance,portability, C99; style
#                 without variableScope, which asks for declarations in the
#                 innermost block where STYLE.md (KNF) puts them at the top
#   clang         --analyze: clang's static analyzer with its default checkers
#                 (core, deadcode, unix, nullability, security.insecureAPI's
#                 defaults); it alone reads BearSSL's headers (BEARSSL_INC)
#
# A false positive is suppressed where it is, with the reason beside it
# (`/* cppcheck-suppress ID */` on the line before). Each file and analyser
# is one case: a case passes when the analyser exits 0 and reports nothing.
# Prints the reports, then "lint: N passed, N failed"; exits 1 on a failure.
# LINT_FILES="src/a.c src/b.c" checks only those files.
set -u
cd "$(dirname "$0")/.."
br=$1; shift
out=${TMPDIR:-/tmp}/mcp-s3-lint.$$
trap 'rm -f "$out"' EXIT INT TERM
pass=0 fail=0

for tool in cppcheck clang; do
	command -v $tool >/dev/null 2>&1 || {
		echo "lint: $tool is missing (sh scripts/deps.sh test)"; fail=$((fail + 1)); }
done
[ $fail = 0 ] || { echo "lint: $pass passed, $fail failed"; exit 1; }

case_done() {	# case_done NAME STATUS — counts the case, shows its report
	if [ "$2" = 0 ] && ! [ -s "$out" ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "--- $1"
		cat "$out"
	fi
}

for f in ${LINT_FILES:-src/*.c}; do
	cppcheck --std=c99 --language=c --enable=warning,style,performance,portability \
	    --suppress=variableScope --inline-suppr --error-exitcode=1 -q \
	    --template='{file}:{line}: {severity}: {message} [{id}]' \
	    -I include -I build/include "$@" "$f" >"$out" 2>&1
	case_done "cppcheck $f" $?
	clang --analyze -std=c99 -Xclang -analyzer-output=text \
	    -iquote include -I"$br" -I build/include "$@" \
	    -o /dev/null "$f" >"$out" 2>&1
	case_done "clang --analyze $f" $?
done
echo "lint: $pass passed, $fail failed"
[ $fail = 0 ]
