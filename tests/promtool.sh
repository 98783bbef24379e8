#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# promtool.sh [KVER...]: relayctl metrics' text through Prometheus's own linter,
# `promtool check metrics`, besides our stricter wgr-promcheck (tests/tools/
# promcheck.c). promtool comes from Debian 12's prometheus package, downloaded
# (apt-get download) and unpacked into build/promtool/ on first use, never
# installed: the package would start a server. Checks the unit test's synthetic
# relays (tests/unit/build/metrics_test --print, one of them named re"l\ay) and
# every output t-metrics logged on each KVER (tests/out/KVER/t-metrics.log,
# between its "--- metrics ... begin/end" lines).
# One PASS:/FAIL: line per check; exits non-zero if any failed.

set -uo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$TOP" || exit 1
PROMTOOL=build/promtool/promtool
rc=0
pass() { echo "PASS: promtool: $*"; }
fail() { echo "FAIL: promtool: $*"; rc=1; }

if [[ ! -x $PROMTOOL ]]; then
	tmp=$(mktemp -d "$TOP/build/promtool.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	if (cd "$tmp" && apt-get download -q prometheus >/dev/null 2>&1) &&
		dpkg-deb -x "$tmp"/prometheus_*.deb "$tmp/root" &&
		mkdir -p build/promtool && mv "$tmp/root/usr/bin/promtool" "$PROMTOOL"; then
		echo "promtool.sh: $("$PROMTOOL" --version 2>&1 | head -1)"
	else
		echo "FAIL: promtool: cannot get promtool (apt-get download prometheus)"
		exit 1
	fi
fi

# check WHAT FILE: promtool takes FILE (lint warnings fail too).
check() {
	local out
	if out=$("$PROMTOOL" check metrics <"$2" 2>&1); then
		pass "$1"
	else
		printf '%s\n' "$out" | head -20
		fail "$1"
	fi
}

work=$(mktemp -d)
trap 'rm -rf "$work" ${tmp:+"$tmp"}' EXIT
make --no-print-directory -s -C tests/unit build/metrics_test >/dev/null &&
	tests/unit/build/metrics_test --print >"$work/unit.prom" &&
	check "the unit test's two relays" "$work/unit.prom" ||
	fail "metrics_test --print"

# promtool takes what it should refuse, or the checks above mean nothing.
printf '# HELP x_total h\n# TYPE x_total counter\nx_total{d="a\\q"} 1\n' >"$work/bad.prom"
if "$PROMTOOL" check metrics <"$work/bad.prom" >/dev/null 2>&1; then
	fail "promtool took a bad escape"
else
	pass "promtool refuses a bad escape"
fi

for kver; do
	log=tests/out/$kver/t-metrics.log
	[[ -f $log ]] || { fail "$kver: no $log (run t-metrics first)"; continue; }
	n=0
	while read -r start end what; do
		n=$((n + 1))
		# Without the kernel's console messages, which may land in between.
		sed -n "$((start + 1)),$((end - 1))p" "$log" | grep -v '^\[ *[0-9]*\.[0-9]*\] ' >"$work/$n.prom"
		check "$kver: t-metrics' relayctl metrics $what" "$work/$n.prom"
	done < <(awk '/^--- metrics .* begin$/ { s = NR; w = $0; sub(/^--- metrics /, "", w); sub(/ begin$/, "", w) }
		/^--- metrics .* end$/ && s { print s, NR, w; s = 0 }' "$log")
	((n)) || fail "$kver: $log holds no metrics output"
done
exit "$rc"
