#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: build, boot the lab VM once per part, and write docs/BENCHMARKS.md
# and its charts (docs/bench/*.png). Not part of make check: it takes ~15-20 min.
#
# KVER     the guest kernel (default: 6.1.0-56-amd64 if installed, the LAB.md baseline)
# PARTS    which parts to run (default: "e2e engine table handshake profile")
# BENCH_T  seconds per measurement (default 5)
# BENCH_ROUNDS  rounds of the engine part (default 4)
# BENCH_ENGINE  "all" (default) or "alt": the engine part's interleaved runs alone
#          (forwarding and the relay in turn inside one run), for quick comparisons
#          of module builds (WGRELAY_KO): it prints their RESULT lines, no report
# VM_NETS  1 boots with the tests' memory-safety nets (default 0: they slow the
#          allocator, and so distort the figures; tests/vm/run.sh)

set -euo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$TOP"

KVER=${KVER:-$(ls -d /lib/modules/6.1.0-*/build 2>/dev/null | awk -F/ 'NR == 1 { print $4 }')}
[[ -n $KVER ]] || { echo "bench: no kernel headers (set KVER)" >&2; exit 1; }
PARTS=${PARTS:-e2e engine table handshake profile}
T=${BENCH_T:-5}
# Rounds of the engine part: its variants alternate, and this host gives runs
# that differ by 1.5x between rounds, so a median needs more than two.
ROUNDS=${BENCH_ROUNDS:-4}
OUT=build/bench
LOGS=$OUT/log

make --no-print-directory module KVER="$KVER"
make --no-print-directory module-debug KVER="$KVER"
make --no-print-directory tool
make --no-print-directory -C bench
# Into the guest's /usr/bin (tests/vm/mkinitramfs.sh copies build/bench/*).
for f in bench/guest/*.sh; do
	cp "$f" "$OUT/bench-$(basename "$f")"
done
cp "build/$KVER-debug/wgrelay.ko" "$OUT/wgrelay-debug.ko"
mkdir -p "$LOGS"
# The profile part runs the host's perf in the guest (Debian's linux-perf).
if [[ " $PARTS " == *" profile "* ]]; then
	if [[ ! -x /usr/bin/perf ]]; then
		apt-get install -y --no-install-recommends linux-perf >/dev/null ||
			{ echo "bench: cannot install linux-perf for the profile part" >&2; exit 1; }
	fi
	export EXTRA_BINARIES=/usr/bin/perf
fi

for part in $PARTS; do
	case $part in
	e2e) args=("$T") mem=1024 timeout=900 ;;
	engine) args=("$T" "$ROUNDS" "${BENCH_ENGINE:-all}") mem=1024 timeout=1800 ;;
	table) args=("$T") mem=2048 timeout=600 ;;	# a million sessions take ~300 MB
	handshake) args=("$T") mem=1024 timeout=600 ;;
	profile) args=("$T") mem=1024 timeout=300 ;;
	*) echo "bench: unknown part $part" >&2; exit 2 ;;
	esac
	echo "=== bench: $part"
	rm -f "$LOGS/bench-$part"*.log
	VM_NETS=${VM_NETS:-0} VM_ACCEL=${VM_ACCEL:-tcg,thread=multi} VM_MEM=$mem LOGDIR=$TOP/$LOGS TIMEOUT=$timeout tests/vm/run.sh "$KVER" vm/bench.sh "$part" "${args[@]}" |
		grep -E '^(RESULT|PASS|FAIL|\[)' || true
	grep -hE '^(RESULT|PROFILE)' "$LOGS/bench-$part"*.log >"$OUT/$part.results" ||
		{ echo "bench: $part produced no results (log: $LOGS)" >&2; exit 1; }
done

if [[ ${BENCH_ENGINE:-all} == alt ]]; then
	# Not a report: the interleaved runs alone, to compare module builds.
	grep -h '^RESULT alt' "$OUT/engine.results" || true
	exit 0
fi
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | awk 'NR == 1')
python3 bench/report.py --out docs --results "$OUT" --kver "$KVER" --cpu "$cpu" \
	--cores "$(nproc)" --seconds "$T"
echo "bench: wrote docs/BENCHMARKS.md and docs/bench/*.png"
