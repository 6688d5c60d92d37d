#!/usr/bin/env bash
# bench/run.sh - ilsd and OpenLDAP slapd side by side under the same load.
#
# Builds ilsd and ilsbench, starts a throwaway slapd (Debian's package, our
# rtPerson schema, back-mdb + dds) and ilsd, each pinned to CPU 0 with the
# load generator on CPU 1, and runs every workload at several connection
# counts in both durability modes.  Prints one table (also written as
# Markdown) with each server's median throughput and p99 latency, their
# ratio, resident memory per registered user, data size on disk, and how
# close the one-connection-per-flow workloads come to the machine's
# loopback connect-accept-close rate.  Everything talks to 127.0.0.1 only
# and every process started here is stopped on exit.
#
#   bench/run.sh            full run, about 15 minutes
#   bench/run.sh --quick    about 2 minutes
#   bench/run.sh --help     all options
set -u

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$SRC/build
USERS=10000
DURATION=3
WARMUP=0.5
RUNS=3
CONNS="1 10 50 200"
WORKLOADS="register refresh list listall resolve mixed"
MODES="sync nosync"
SERVERS="ilsd slapd"
ILSD_DIALECTS="ils"
EXPIRY=0
EXPIRY_TTL=60
EXPIRY_WATCH=90
PORT_BASE=17100
OUT=""
DO_BUILD=1
KEEP_DATA=0
ILSD_ARGS=""

ARGS="$*"

usage() {
	cat <<EOF
usage: bench/run.sh [options]
  --quick              short run: 1 run of 2 s per cell, 1 and 50 connections
  --users N            pre-loaded users (default $USERS; 100000, 1000000 ...)
  --duration S         measured seconds per cell (default $DURATION)
  --runs N             runs per cell, the median is reported (default $RUNS)
  --conns "LIST"       connection counts (default "$CONNS")
  --workloads "LIST"   of: $WORKLOADS
  --modes "LIST"       durability modes: sync nosync (default "$MODES")
  --servers "LIST"     ilsd slapd (default "$SERVERS")
  --ilsd-dialects "L"  dialects ilsd is driven with: ils std (default "$ILSD_DIALECTS")
  --expiry N           also time resolve while N entries expire at once
  --expiry-watch S     seconds resolve runs past their TTL (default $EXPIRY_WATCH)
  --build DIR          build directory (default $BUILD)
  --no-build           use the binaries already built
  --keep-data          keep the servers' data directories (default: removed)
  --ilsd-args "ARGS"   extra ilsd options
  --out DIR            where results go (default BUILD/bench-results/DATE)
  --port-base P        first TCP port used on 127.0.0.1 (default $PORT_BASE)
EOF
}

while [ $# -gt 0 ]; do
	case "$1" in
	--quick) DURATION=2; RUNS=1; CONNS="1 50"; WARMUP=0.3 ;;
	--users) USERS=$2; shift ;;
	--duration) DURATION=$2; shift ;;
	--runs) RUNS=$2; shift ;;
	--conns) CONNS=$2; shift ;;
	--workloads) WORKLOADS=$2; shift ;;
	--modes) MODES=$2; shift ;;
	--servers) SERVERS=$2; shift ;;
	--ilsd-dialects) ILSD_DIALECTS=$2; shift ;;
	--expiry) EXPIRY=$2; shift ;;
	--expiry-watch) EXPIRY_WATCH=$2; shift ;;
	--build) BUILD=$2; shift ;;
	--no-build) DO_BUILD=0 ;;
	--keep-data) KEEP_DATA=1 ;;
	--ilsd-args) ILSD_ARGS=$2; shift ;;
	--out) OUT=$2; shift ;;
	--port-base) PORT_BASE=$2; shift ;;
	-h|--help) usage; exit 0 ;;
	*) echo "run.sh: unknown option $1" >&2; usage >&2; exit 1 ;;
	esac
	shift
done

[ -n "$OUT" ] || OUT=$BUILD/bench-results/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT" || exit 1
OUT=$(cd "$OUT" && pwd)
JSON=$OUT/results.jsonl
INFO=$OUT/info.txt
WORK=$OUT/tmp
mkdir -p "$WORK"
: >"$JSON"
: >"$INFO"
LOG=$OUT/run.log

say() { echo "[$(date +%H:%M:%S)] $*" | tee -a "$LOG" >&2; }
info() { echo "$*" >>"$INFO"; }

# ---- processes: every one started here is stopped on exit ----
PIDS=()
stop_pid() {
	local pid=$1 _
	kill -TERM "$pid" 2>/dev/null || return 0
	for _ in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}
cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do
		stop_pid "$pid"
	done
	PIDS=()
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

# CPU pinning: servers on CPU 0, the generator on CPU 1 (when there are two).
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
	PIN_SERVER="taskset -c 0"
	PIN_LOAD="taskset -c 1"
else
	PIN_SERVER=""
	PIN_LOAD=""
fi

wait_port() {
	local port=$1 pid=$2 _
	for _ in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || return 1
		if (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

# Waits (up to 60 s) until the server is idle, so that work queued by the
# clients of the previous run (closed, but not yet noticed by the server)
# does not slow the next run down.
settle() {
	local pid=$1 before after _
	for _ in $(seq 1 300); do
		before=$(cpu_ticks "$pid")
		sleep 0.2
		after=$(cpu_ticks "$pid")
		[ $((after - before)) -le 1 ] && return 0
	done
	say "  the server was still busy after 60 s"
}

# ---- build ----
ILSD_BIN=$BUILD/ilsd
BENCH_BIN=$BUILD/ilsbench
if [ "$DO_BUILD" = 1 ]; then
	say "building ilsbench and ilsd in $BUILD"
	if [ ! -f "$BUILD/CMakeCache.txt" ]; then
		cmake -S "$SRC" -B "$BUILD" >>"$LOG" 2>&1 || { say "cmake failed (see $LOG)"; exit 1; }
	fi
	cmake --build "$BUILD" --target ilsbench -j2 >>"$LOG" 2>&1 ||
		{ say "ilsbench does not build (see $LOG)"; exit 1; }
	if ! cmake --build "$BUILD" --target ilsd -j2 >>"$LOG" 2>&1; then
		say "ilsd does not build: its columns will read n/a"
		ILSD_BIN=""
	fi
fi
[ -x "$BENCH_BIN" ] || { say "no $BENCH_BIN"; exit 1; }
[ -n "$ILSD_BIN" ] && [ ! -x "$ILSD_BIN" ] && ILSD_BIN=""

# ---- slapd from Debian, never as a running system service ----
ensure_slapd() {
	[ -x /usr/sbin/slapd ] && return 0
	say "installing Debian's slapd (the service is kept from starting)"
	local made_policy=0 was_running=0
	pgrep -x slapd >/dev/null && was_running=1
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod +x /usr/sbin/policy-rc.d
		made_policy=1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q slapd >>"$LOG" 2>&1 ||
		{ apt-get update -q >>"$LOG" 2>&1 &&
		  DEBIAN_FRONTEND=noninteractive apt-get install -y -q slapd >>"$LOG" 2>&1; }
	[ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
	if [ "$was_running" = 0 ] && pgrep -x slapd >/dev/null; then
		say "the package started the system slapd: stopping it"
		service slapd stop >>"$LOG" 2>&1 || true
	fi
	[ -x /usr/sbin/slapd ]
}

# ---- servers ----
SERVER_PID=""
SERVER_PORT=""
SERVER_DATA=""

# start_server NAME MODE [DDS_INTERVAL]: fresh data, pinned, waits until it accepts.
start_server() {
	local name=$1 mode=$2 interval=${3:-60} dir
	SERVER_PORT=$((PORT_BASE + RANDOM % 500 + 10))
	dir=$WORK/$name-$mode-$SERVER_PORT
	rm -rf "$dir"
	mkdir -p "$dir/data"
	SERVER_DATA=$dir/data
	case $name in
	ilsd)
		[ -n "$ILSD_BIN" ] || return 1
		local sync=true
		[ "$mode" = nosync ] && sync=false
		# shellcheck disable=SC2086
		$PIN_SERVER "$ILSD_BIN" --foreground --listen=127.0.0.1:"$SERVER_PORT" \
			--data-dir="$SERVER_DATA" --schema-dir="$SRC/schema" --threads=1 \
			--max-connections-per-ip=0 --ttl-default=3600 --sync=$sync \
			--log-level=warn $ILSD_ARGS >"$dir/server.log" 2>&1 &
		;;
	slapd)
		local nosync=""
		[ "$mode" = nosync ] && nosync=dbnosync
		sed -e "s|@SCHEMA_DIR@|$SRC/bench/slapd|" -e "s|@RUN_DIR@|$dir|g" \
			-e "s|@DATA_DIR@|$SERVER_DATA|" -e "s|@MAP_SIZE@|17179869184|" \
			-e "s|@NOSYNC@|$nosync|" -e "s|@TTL_DEFAULT@|3600|" \
			-e "s|@DDS_INTERVAL@|$interval|" \
			"$SRC/bench/slapd/slapd.conf.in" >"$dir/slapd.conf"
		/usr/sbin/slapadd -q -f "$dir/slapd.conf" -l "$SRC/bench/slapd/base.ldif" \
			>"$dir/server.log" 2>&1 || return 1
		$PIN_SERVER /usr/sbin/slapd -d 0 -h "ldap://127.0.0.1:$SERVER_PORT/" \
			-f "$dir/slapd.conf" >>"$dir/server.log" 2>&1 &
		;;
	esac
	SERVER_PID=$!
	PIDS+=("$SERVER_PID")
	if ! wait_port "$SERVER_PORT" "$SERVER_PID"; then
		say "$name ($mode) did not start: $(tail -3 "$dir/server.log" | tr '\n' ' ')"
		stop_server
		return 1
	fi
	return 0
}

stop_server() {
	[ -n "$SERVER_PID" ] || return 0
	stop_pid "$SERVER_PID"
	local keep=() pid
	for pid in "${PIDS[@]}"; do
		[ "$pid" = "$SERVER_PID" ] || keep+=("$pid")
	done
	PIDS=("${keep[@]}")
	SERVER_PID=""
	if [ "$KEEP_DATA" = 0 ] && [ -n "$SERVER_DATA" ]; then
		rm -rf "$SERVER_DATA"
	fi
	SERVER_DATA=""
}

# bench LABEL DIALECT [ilsbench options...]: one ilsbench run, JSON appended.
bench() {
	local label=$1 dialect=$2
	shift 2
	# shellcheck disable=SC2086
	timeout 900 $PIN_LOAD "$BENCH_BIN" --port "$SERVER_PORT" --dialect "$dialect" \
		--label "$label" --users "$USERS" --json "$JSON" --quiet "$@" >>"$LOG" 2>&1
	local rc=$?
	if [ $rc -ne 0 ] && [ $rc -ne 3 ]; then
		say "  ilsbench failed ($rc) for $label $dialect $*"
	fi
	return $rc
}

is_write() { case $1 in register|refresh|mixed) return 0 ;; esac; return 1; }

run_cells() {
	local server=$1 mode=$2 dialect=$3 first_mode=$4 w c r extra
	for w in $WORKLOADS; do
		# Reads do not depend on durability: measure them once.
		is_write "$w" || [ "$mode" = "$first_mode" ] || continue
		for c in $CONNS; do
			say "  $server $mode $dialect $w x$c"
			extra=""
			case $w in register|mixed) extra="--cleanup" ;; esac
			for r in $(seq 1 "$RUNS"); do
				kill -0 "$SERVER_PID" 2>/dev/null || { say "  $server died"; return 1; }
				settle "$SERVER_PID"
				# shellcheck disable=SC2086
				bench "$server/$mode" "$dialect" --workload "$w" --conns "$c" \
					--duration "$DURATION" --warmup "$WARMUP" --seed "$r" $extra
			done
		done
	done
	return 0
}

measure_server() {
	local server=$1 mode=$2 first_mode=$3 dialects d base after
	case $server in
	ilsd) dialects=$ILSD_DIALECTS ;;
	slapd) dialects=std ;;
	esac
	say "$server ($mode): starting"
	if ! start_server "$server" "$mode"; then
		info "down $server/$mode"
		return
	fi
	sleep 0.5
	base=$(rss_kb "$SERVER_PID")
	d=${dialects%% *}
	say "$server ($mode): pre-loading $USERS users ($d)"
	bench "$server/$mode" "$d" --preload --preload-conns 4 --preload-window 64
	sleep 1
	after=$(rss_kb "$SERVER_PID")
	info "rss $server/$mode base_kb=$base after_kb=$after users=$USERS"
	info "disk $server/$mode kb=$(du -sk "$SERVER_DATA" | cut -f1)"
	for d in $dialects; do
		run_cells "$server" "$mode" "$d" "$first_mode" || break
	done
	info "disk_end $server/$mode kb=$(du -sk "$SERVER_DATA" | cut -f1)"
	stop_server
}

# ---- the loopback baseline: accept and close, nothing else ----
measure_connect() {
	local c r
	SERVER_PORT=$((PORT_BASE + RANDOM % 500 + 600))
	$PIN_SERVER "$BENCH_BIN" --acceptor --port "$SERVER_PORT" >>"$LOG" 2>&1 &
	SERVER_PID=$!
	PIDS+=("$SERVER_PID")
	if ! wait_port "$SERVER_PORT" "$SERVER_PID"; then
		say "the acceptor did not start"
		stop_server
		return
	fi
	for c in $CONNS; do
		say "connect-accept-close baseline x$c"
		for r in $(seq 1 "$RUNS"); do
			bench "acceptor/-" std --workload connect --conns "$c" \
				--duration "$DURATION" --warmup "$WARMUP"
		done
	done
	stop_server
}

# ---- mass expiry: resolve while N entries reach their TTL together ----
# Resolve runs twice: until just before the first entry expires (the
# baseline), then for EXPIRY_WATCH seconds while they expire.
measure_expiry() {
	local server=$1 mode=${MODES%% *} left d=std t0 before
	say "$server: expiry of $EXPIRY entries under resolve load"
	start_server "$server" "$mode" 5 || { info "down $server/expiry"; return; }
	bench "$server/expiry" "$d" --preload --preload-conns 4 --preload-window 64
	t0=$(date +%s)
	bench "$server/expiry" "$d" --preload --prefix x --users "$EXPIRY" --ttl "$EXPIRY_TTL" \
		--preload-conns 4 --preload-window 64
	before=$((EXPIRY_TTL - ($(date +%s) - t0) - 2))
	if [ "$before" -ge 3 ]; then
		bench "$server/expiry-before" "$d" --workload resolve --conns 10 --warmup 0 \
			--duration "$before"
	fi
	sleep $((t0 + EXPIRY_TTL - $(date +%s))) 2>/dev/null
	bench "$server/expiry" "$d" --workload resolve --conns 10 --warmup 0 \
		--duration "$EXPIRY_WATCH"
	left=$(ldapsearch -x -LLL -H "ldap://127.0.0.1:$SERVER_PORT" -b "ou=Dynamic,o=Intranet" \
		-s one -z 0 "(cn=x*)" 1.1 2>/dev/null | grep -c '^dn:')
	info "expiry $server entries=$EXPIRY ttl=$EXPIRY_TTL watch=$EXPIRY_WATCH left=$left"
	stop_server
}

# ---- run ----
{
	echo "date $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "machine $(uname -srm), $(nproc) CPUs, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
	echo "memory $(awk '/MemTotal/ {print $2 " kB"}' /proc/meminfo)"
	echo "command bench/run.sh $ARGS"
	echo "settings users=$USERS duration=$DURATION warmup=$WARMUP runs=$RUNS conns=$CONNS modes=$MODES"
	echo "slapd $(/usr/sbin/slapd -VV 2>&1 | head -1)"
	echo "ilsd ${ILSD_BIN:-n/a}"
	echo "pinning server='${PIN_SERVER:-none}' load='${PIN_LOAD:-none}'"
} >>"$INFO" 2>/dev/null

case " $SERVERS " in
*" slapd "*) ensure_slapd || { say "slapd is not available: its columns will read n/a"; SERVERS=${SERVERS//slapd/}; } ;;
esac

measure_connect
first_mode=${MODES%% *}
for mode in $MODES; do
	for server in $SERVERS; do
		measure_server "$server" "$mode" "$first_mode"
	done
done
if [ "$EXPIRY" -gt 0 ]; then
	for server in $SERVERS; do
		measure_expiry "$server"
	done
fi
# Again at the end: the table uses the median of both, so a machine that
# got busier or quieter meanwhile moves the baseline less.
[ -n "$WORKLOADS" ] && measure_connect

/usr/bin/env python3 "$SRC/bench/table.py" "$JSON" "$INFO" | tee "$OUT/table.md"
say "results: $OUT (table.md, results.jsonl, info.txt, run.log)"
