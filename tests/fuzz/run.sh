#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh TARGET...: what "make -C tests/fuzz run" runs. Fuzzes each built target
# (build/TARGET) for FUZZ_SECONDS (default 20) from a copy of its seed corpus in
# tests/out/fuzz/corpus/TARGET/ (corpus/TARGET/ stays as committed), and prints one
# line per target:
#   PASS: fuzz/TARGET (N execs, E edges covered, F features, C corpus inputs)
#   FAIL: fuzz/TARGET (why; the input is saved as tests/out/fuzz/TARGET-...)
# A crash, sanitizer report, leak, timeout (10 s per input) or failed invariant
# fails the target. Logs: tests/out/fuzz/TARGET.log. Exits non-zero if any failed.
# FUZZ_JOBS targets (default: one per CPU) run at a time, each in one process
# (each has a core of its own: the seconds, not the CPU, bound a run); the lines
# come in the order of the arguments.

set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mkdir -p "$HERE/../out/fuzz"
OUT=$(cd "$HERE/../out/fuzz" && pwd)
SECONDS_EACH=${FUZZ_SECONDS:-20}
JOBS=${FUZZ_JOBS:-$(nproc)}
((JOBS >= 1)) || JOBS=1

# fuzz_one TARGET: fuzz it and print its line.
fuzz_one() {
	local t=$1 bin log scratch status corpus execs cov edges features artifact why
	bin=$HERE/build/$t
	log=$OUT/$t.log
	# The corpus grows here, not in corpus/ (make coverage reads it afterwards).
	scratch=$OUT/corpus/$t
	rm -rf "$scratch"
	mkdir -p "$scratch"
	cp -r "$HERE/corpus/$t/." "$scratch/"
	rm -f "$OUT/$t"-crash-* "$OUT/$t"-leak-* "$OUT/$t"-timeout-* "$OUT/$t"-oom-*
	# One process, so that a run is repeatable from its seed; -use_value_profile
	# lets comparisons with constants guide it (lengths, types, key words).
	"$bin" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
		-use_value_profile=1 -print_final_stats=1 -artifact_prefix="$OUT/$t-" \
		"$scratch" >"$log" 2>&1
	status=$?
	corpus=$(find "$scratch" -type f | wc -l)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	# The last status line: "#N DONE cov: E ft: F corp: ..." (or any line with cov:).
	cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -1)
	edges=$(awk '{ print $2 }' <<<"$cov")
	features=$(awk '{ print $4 }' <<<"$cov")
	artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
	if ((status == 0)) && [[ -n $execs && -z $artifact ]]; then
		echo "PASS: fuzz/$t (${execs} execs, ${edges:-?} edges covered, ${features:-?} features, $corpus corpus inputs)"
	else
		why=$(grep -m1 -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error|invariant failed' "$log" |
			sed 's/^==[0-9]*==//')
		echo "FAIL: fuzz/$t (exit status $status: ${why:-see the log}; input: ${artifact:-none}; log: $log)"
	fi
}

for t in "$@"; do
	while (($(jobs -rp | wc -l) >= JOBS)); do wait -n; done
	fuzz_one "$t" >"$OUT/.$t.line" &
done
wait
rc=0
for t in "$@"; do
	# A target whose line is missing or empty failed too (its shell died).
	grep -q '^PASS: ' "$OUT/.$t.line" 2>/dev/null || rc=1
	if [[ -s $OUT/.$t.line ]]; then
		cat "$OUT/.$t.line"
	else
		echo "FAIL: fuzz/$t (no result: the run died; log: $OUT/$t.log)"
	fi
	rm -f "$OUT/.$t.line"
done
exit "$rc"
