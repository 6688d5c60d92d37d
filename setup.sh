#!/usr/bin/env bash
# setup.sh - build, run and test ilsd on Debian 12 (run as root).
#
#   ./setup.sh run    install what is missing, build, start ilsd in the
#                     foreground on its embedded defaults (ports 1002 and 389,
#                     LMDB data under ./data)
#   ./setup.sh test   install what is missing, build the normal and the
#                     AddressSanitizer+UBSan trees, run every test in both,
#                     then a short fuzzing smoke run
#   ./setup.sh build  only build (build/ilsd)
#
# Running any of them twice is harmless: packages are installed only when
# missing and the build trees are reused.
set -euo pipefail
cd "$(dirname "$0")"

PACKAGES=(build-essential cmake pkg-config clang libclang-rt-14-dev
	libevent-dev liblmdb-dev lmdb-utils libssl-dev openssl
	libsasl2-dev libsasl2-modules sasl2-bin
	ldap-utils libldap-dev python3 python3-ldap procps)

JOBS=$(nproc 2>/dev/null || echo 2)

install_deps() {
	local missing=()
	for p in "${PACKAGES[@]}"; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
			missing+=("$p")
		fi
	done
	if [ ${#missing[@]} -gt 0 ]; then
		echo "setup.sh: installing ${missing[*]}"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -q
		apt-get install -y -q --no-install-recommends "${missing[@]}"
	fi
}

build_tree() {	# build_tree DIR [cmake args...]
	local dir=$1
	shift
	cmake -S . -B "$dir" "$@" >/dev/null
	cmake --build "$dir" -j"$JOBS"
}

case "${1:-}" in
run)
	install_deps
	build_tree build -DCMAKE_BUILD_TYPE=RelWithDebInfo
	echo "setup.sh: built build/ilsd; starting it in the foreground (Ctrl-C stops it)"
	mkdir -p data
	exec ./build/ilsd --foreground --data-dir=./data
	;;
build)
	install_deps
	build_tree build -DCMAKE_BUILD_TYPE=RelWithDebInfo
	echo "setup.sh: built build/ilsd"
	;;
test)
	install_deps
	build_tree build -DCMAKE_BUILD_TYPE=RelWithDebInfo
	build_tree build-asan -DCMAKE_BUILD_TYPE=Debug -DILSD_SANITIZE=ON -DILSD_BENCH=OFF
	status=0
	log=$(mktemp)
	trap 'rm -f "$log"' EXIT
	echo "== tests (release build)"
	ctest --test-dir build --output-on-failure -j"$JOBS" 2>&1 | tee -a "$log" || status=1
	echo "== tests (AddressSanitizer + UndefinedBehaviorSanitizer build)"
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --test-dir build-asan --output-on-failure -j"$JOBS" 2>&1 | tee -a "$log" || status=1
	if [ -x scripts/fuzz.sh ]; then
		echo "== fuzzing smoke run (10 s per target)"
		scripts/fuzz.sh 10 || status=1
	fi
	# One closing line over both ctest runs: "tests: N passed, N failed".
	awk '/tests passed, [0-9]+ tests failed out of/ {
		f += $4; t += $NF } END { printf "tests: %d passed, %d failed\n", t - f, f }' "$log"
	exit $status
	;;
*)
	echo "usage: $0 run|test|build" >&2
	exit 2
	;;
esac
