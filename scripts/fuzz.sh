#!/bin/sh
# fuzz.sh - build every libFuzzer target (tests/fuzz/fuzz_*.c) with clang in
# build-fuzz/ and run each one for a while over a fresh copy of its seed
# corpus.  Prints executions and findings per target; exits non-zero if any
# target crashed, leaked, timed out or ran out of memory.
#
#   scripts/fuzz.sh [seconds-per-target] [target ...]
#
# Defaults: 60 seconds, every target.  Crash inputs are kept in
# tests/fuzz/artifacts/<target>/ (ignored by git); replay one with
#   build-fuzz/fuzz/<target> tests/fuzz/artifacts/<target>/crash-...
set -eu

secs=${1:-60}
[ $# -gt 0 ] && shift
case $secs in
''|*[!0-9]*) echo "usage: $0 [seconds] [target ...]" >&2; exit 2 ;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build-fuzz
fuzzdir=$root/tests/fuzz

if [ $# -gt 0 ]; then
	targets=$*
else
	targets=
	for src in "$fuzzdir"/fuzz_*.c; do
		[ -e "$src" ] || continue
		targets="$targets $(basename "$src" .c)"
	done
fi
if [ -z "$targets" ]; then
	echo "no fuzz targets in $fuzzdir" >&2
	exit 2
fi

cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER=clang -DILSD_FUZZ=ON \
    -DILSD_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
# shellcheck disable=SC2086
cmake --build "$build" --target $targets -j2

failed=0
summary=
for t in $targets; do
	corpus=$build/corpus/$t
	artifacts=$fuzzdir/artifacts/$t
	log=$build/$t.log
	rm -rf "$corpus"
	mkdir -p "$corpus" "$artifacts"
	if [ -d "$fuzzdir/corpus/$t" ]; then
		cp -R "$fuzzdir/corpus/$t/." "$corpus/"
	fi
	before=$(find "$artifacts" -type f | wc -l)
	set -- -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix="$artifacts/"
	if [ -f "$fuzzdir/$t.dict" ]; then
		set -- "$@" -dict="$fuzzdir/$t.dict"
	fi
	echo "== $t: ${secs}s"
	rc=0
	"$build/fuzz/$t" "$@" "$corpus" >"$log" 2>&1 || rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	after=$(find "$artifacts" -type f | wc -l)
	findings=$((after - before))
	if [ "$rc" -ne 0 ] && [ "$findings" -eq 0 ]; then
		findings=1	# died without leaving an input (e.g. out of memory)
	fi
	if [ "$rc" -ne 0 ]; then
		failed=1
		echo "   FAILED (exit $rc); log: $log"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*Test unit written)' "$log" | head -n 5 || true
	fi
	line=$(printf '%-14s executions %-10s findings %s' "$t" "${execs:-?}" "$findings")
	echo "   $line"
	summary="$summary$line
"
done

echo "== summary (${secs}s per target)"
printf '%s' "$summary"
exit $failed
