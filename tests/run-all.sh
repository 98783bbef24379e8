#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-all.sh [TEST...]: what "make check" runs.
#
#  1. scripts/deps.sh (installs only what is missing)
#  2. builds the module (and its debug build) for every kernel and relayctl
#  2b. W=1 and sparse on the module for every kernel (tests/style.sh)
#  3. the unit tests (make -C tests/unit run), counted per cmocka test case
#  3b. the user-space fuzzers (make -C tests/fuzz run: libFuzzer on the wire
#     format, mac1 and relayctl's parsers), FUZZ_SECONDS (default 20) per target,
#     counted per target; a crash fails its target, its input in tests/out/fuzz/
#  4. every VM test (tests/vm/t-*.sh, once per "# variants:" word if it has that
#     line) on every installed Debian kernel, JOBS at a time (default: three
#     per two CPUs; a "# cpu: heavy" one counts as two), longest first,
#     logs in tests/out/KVER/; a test with a "# kernels: newest" line runs on
#     the last kernel of KVERS only: the recipes, diagnose and metrics (what
#     they check is user space's setup and reading of a relay that the other
#     tests cover on every kernel); one with "# kernels: one" runs once, on one
#     kernel of KVERS, the longest ones spread evenly across them: the trust
#     model's attacks (the rules they test are the same C on every kernel,
#     compat.h has no part in them, and every kernel runs about half of them
#     with the version's own socket, timer and netlink code under them), the
#     WireGuard hub baseline and the lab's own CGNAT check. Twice over they cost
#     a quarter of an hour of make check's time, which CI's 90 minutes could not
#     spare
#  4b. the extra kernels (scripts/kernels.sh: Debian 12's cloud-amd64 6.1 and
#     unstable's newest, unpacked, not installed): the module built against their
#     headers, then the core scenarios EXTRA_TESTS (default "t-relay t-relay-ipv6")
#     on each, not the whole suite. EXTRA_KERNELS picks them ("" for none).
#  4c. relayctl metrics' output through promtool (tests/promtool.sh: Debian's
#     promtool, downloaded into build/, never installed), after t-metrics
#  5. a DKMS build for each extra kernel (for every kernel if step 5b is skipped)
#  5b. the Debian packages (tests/deb.sh): make deb and lintian, apt install both,
#     DKMS built the module for every kernel with headers, that very module runs
#     t-relay in the lab on the newest kernel (DEB_KVERS), apt purge leaves nothing
#  6. the harness's own self-tests (tests/vm/harness/*.sh) on the first kernel (or
#     the first built with the option on a "# needs: CONFIG_X" line): each must
#     make run.sh fail, for the reason on its "# expect:" line; they run among the
#     VM runs of step 4, as short light ones that fill its end
#
# and ends with one line: "N passed, N failed". A failed build step counts as one
# failure (its tests usually fail too). Exits non-zero if anything failed.
#
# TESTS="t-lifecycle t-wg-hub" (or arguments) runs only those VM tests (by name
# prefix; "style", "fuzz", "extra", "dkms", "deb" and "harness" name steps 2b, 3b,
# 4b, 5, 5b and 6); KVERS="..." picks the kernels; SKIP="deps style unit fuzz extra
# promtool dkms deb harness" skips those steps. KROOT is where the kernels of KVERS
# are, if not in /: KROOT/boot/vmlinuz-KVER and config-KVER, KROOT/lib/modules/KVER
# with its build tree (make check-kasan: tests/kasan.sh). Steps 2b, 5 and 5b know
# only the installed kernels: skip them with KROOT.

set -uo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$TOP" || exit 1
OUT=$TOP/tests/out
mkdir -p "$OUT"
# Waits that took longer than their bound reads (wait_for in tests/lib/common.sh).
: >"$OUT/overruns.txt"

((EUID == 0)) || { echo "run-all.sh: the VM tests and DKMS need root" >&2; exit 1; }

TESTS=${*:-${TESTS:-}}
SKIP=${SKIP:-}

passed=0 failed=0 failures=()
pass() { passed=$((passed + ${2:-1})); }
failure() { failed=$((failed + ${2:-1})); failures+=("$1"); }
skip() { [[ " $SKIP " == *" $1 "* ]]; }
# selected NAME: is NAME (a test file or a step) among TESTS? All are when it is empty.
selected() {
	local w
	[[ -z $TESTS ]] && return 0
	for w in $TESTS; do
		[[ $1 == "${w%.sh}.sh" || $1 == "$w"* ]] && return 0
	done
	return 1
}
started=$(date +%s)
# Each heading says when it was printed, in seconds since make check started
# (a step's start; a VM run's end), so that a log shows where the time went.
heading() { printf '\n======== %s ======== (at %d s)\n' "$*" "$(($(date +%s) - started))"; }

if ! skip deps; then
	heading "dependencies"
	if ! scripts/deps.sh; then
		echo "run-all.sh: cannot install the dependencies"
		echo "0 passed, 1 failed"
		exit 1
	fi
fi
# After deps.sh, which may have just installed them.
KVERS=${KVERS:-$(tests/vm/kernels.sh | tr '\n' ' ')}
if [[ -z $KVERS ]]; then
	echo "run-all.sh: no kernel with both an image and headers is installed"
	echo "0 passed, 1 failed"
	exit 1
fi

KROOT=${KROOT:-}
export KROOT
heading "build (kernels: $KVERS${KROOT:+ in $KROOT})"
for kver in $KVERS; do
	# make's own default, unless the kernels are under KROOT.
	kdir=()
	[[ -n $KROOT ]] && kdir=(KDIR="$KROOT/lib/modules/$kver/build")
	if ! make --no-print-directory module KVER="$kver" "${kdir[@]}"; then
		failure "build: module for $kver"
		# Never let the VM tests pick up a module left from an older build.
		rm -f "build/$kver/wgrelay.ko"
	fi
	# The debug build (debugfs knobs) is for the tests marked "# module: debug".
	if ! make --no-print-directory module-debug KVER="$kver" "${kdir[@]}"; then
		failure "build: debug module for $kver"
		rm -f "build/$kver-debug/wgrelay.ko"
	fi
done
make --no-print-directory tool || failure "build: relayctl"
make --no-print-directory -C tests/tools || failure "build: test tools"

if ! skip style && selected style; then
	heading "style: W=1 and sparse"
	# shellcheck disable=SC2086
	tests/style.sh $KVERS | tee "$OUT/style.log"
	pass style "$(grep -c '^PASS:' "$OUT/style.log")"
	n_fail=$(grep -c '^FAIL:' "$OUT/style.log")
	((n_fail == 0)) || failure "style: see tests/out/style.log" "$n_fail"
fi

if ! skip unit && [[ -f tests/unit/Makefile ]]; then
	heading "unit tests"
	make --no-print-directory -C tests/unit run 2>&1 | tee "$OUT/unit.log"
	unit_rc=${PIPESTATUS[0]}
	n_pass=$(sed -n 's/^\[  PASSED  \] \([0-9]\+\) test(s)\..*/\1/p' "$OUT/unit.log" | awk '{ s += $1 } END { print s + 0 }')
	n_fail=$(sed -n 's/^\[  FAILED  \] \([0-9]\+\) test(s).*/\1/p' "$OUT/unit.log" | awk '{ s += $1 } END { print s + 0 }')
	pass unit "$n_pass"
	((n_fail == 0)) || failure "unit: $n_fail test case(s), see tests/out/unit.log" "$n_fail"
	if ((unit_rc != 0 && n_fail == 0)); then
		failure "unit: make -C tests/unit run exited with $unit_rc"
	fi
fi

if ! skip fuzz && selected fuzz; then
	heading "fuzz: ${FUZZ_SECONDS:-20} s per target"
	make --no-print-directory -j"$(nproc)" -C tests/fuzz run 2>&1 | tee "$OUT/fuzz.log"
	fuzz_rc=${PIPESTATUS[0]}
	pass fuzz "$(grep -c '^PASS: fuzz/' "$OUT/fuzz.log")"
	n_fail=$(grep -c '^FAIL: fuzz/' "$OUT/fuzz.log")
	((n_fail == 0)) || failure "fuzz: $n_fail target(s), see tests/out/fuzz.log" "$n_fail"
	if ((fuzz_rc != 0 && n_fail == 0)); then
		failure "fuzz: make -C tests/fuzz run exited with $fuzz_rc (a build failure?)"
	fi
fi

# The extra kernels: prepared and built here; their runs join the VM runs below.
EXTRA_KVERS='' extra_jobs=()
if ! skip extra && selected extra && [[ -n ${EXTRA_KERNELS-cloud unstable} ]]; then
	heading "extra kernels: ${EXTRA_KERNELS-cloud unstable}"
	step_start=$(date +%s)
	if scripts/kernels.sh prepare; then
		EXTRA_KVERS=$(scripts/kernels.sh list | tr '\n' ' ')
	else
		failure "extra kernels: scripts/kernels.sh prepare"
	fi
	for kver in $EXTRA_KVERS; do
		rm -f "build/$kver/wgrelay.ko"
		if ! PATH=$(scripts/kernels.sh bin):$PATH make --no-print-directory module \
			KVER="$kver" KDIR="$(scripts/kernels.sh kdir "$kver")" >"$OUT/build-$kver.log" 2>&1; then
			tail -30 "$OUT/build-$kver.log"
			failure "build: module for $kver (tests/out/build-$kver.log)"
			continue
		fi
		for t in ${EXTRA_TESTS:-t-relay t-relay-ipv6}; do
			extra_jobs+=("$kver ${t%.sh}.sh")
		done
	done
	echo "extra kernels $EXTRA_KVERS: prepared and built in $(($(date +%s) - step_start)) s"
fi

# The VM test runs: "t-name.sh" or "t-name.sh VARIANT".
runs=()
declare -A newest_only=() one_only=()
for t in tests/vm/t-*.sh; do
	name=$(basename "$t")
	selected "$name" || continue
	variants=$(sed -n 's/^# variants: *//p' "$t" | awk 'NR == 1')
	kernels=$(sed -n 's/^# kernels: *//p' "$t" | awk 'NR == 1 { print $1 }')
	case ${kernels:-all} in
	all) ;;
	newest) newest_only[$name]=1 ;;
	one) one_only[$name]=1 ;;
	*) failure "$t: '# kernels: $kernels' is neither 'all', 'newest' nor 'one'"; continue ;;
	esac
	if [[ -n $variants ]]; then
		for v in $variants; do runs+=("$name $v"); done
	else
		runs+=("$name")
	fi
done

if [[ -n $TESTS && ${#runs[@]} == 0 ]] && ! selected style && ! selected fuzz &&
	! selected extra && ! selected dkms && ! selected deb && ! selected harness; then
	failure "nothing matches TESTS='$TESTS'"
fi

# VM runs go JOBS at a time (default: three per two CPUs). Each guest's vCPUs
# run in one host thread (tests/vm/run.sh), and the long tests spend most of
# their time waiting on WireGuard's timers, their guests idle (run.sh prints the
# host CPU each used: t-trust-stage 40% of a core), so two guests on two cores
# left one idle much of the time. A test marked "# cpu: heavy" (a flood, a
# fuzzer, churn) counts as two: it keeps its core busy, and its floods were
# sized for a guest that has one (t-trust-rekey's was too weak to pass the
# relay's ceiling beside two other guests). Heavy runs start first, then the
# others, each kind longest first (tests/vm/durations: seconds per test from a
# CI run; 120 for a test not listed); a run that does not fit yet lets a later
# one that does go first. Only one heavy run fits at a time, so heavy runs that
# sort among the light ones by length were left to the end, one after another
# beside a single light one: in the CI run of session 34, the last half hour of
# the VM runs went that way, a third of the cores idle. Heavy first keeps one
# heavy and one light run going until the heavy ones are done, then three light
# ones. The harness's self-tests (step 6) join the queue as light runs. A run's
# console goes to a file and is printed whole when the run ends, in the order the
# runs end.
JOBS=${JOBS:-$((3 * $(nproc) / 2))}
((JOBS >= 1)) || JOBS=1
declare -A duration=() weight=()
while read -r name secs; do
	[[ $name == \#* || -z $name ]] || duration[$name]=$secs
done <tests/vm/durations
vm_jobs=()
newest=$(awk '{ print $NF }' <<<"$KVERS")
# A "# kernels: one" run (each variant a run of its own) goes to one kernel of
# KVERS: longest first, each to the kernel with the fewest seconds of such runs
# so far, so that every kernel runs about half of them and the split is the same
# from one make check to the next.
declare -A one_kver=() one_secs=()
for kver in $KVERS; do one_secs[$kver]=0; done
while IFS=$'\t' read -r secs r; do
	best=
	for kver in $KVERS; do
		[[ -z $best ]] || ((one_secs[$kver] < one_secs[$best])) && best=$kver
	done
	one_kver[$r]=$best
	one_secs[$best]=$((one_secs[$best] + secs))
done < <(for r in "${runs[@]}"; do
	[[ -n ${one_only[${r%% *}]:-} ]] || continue
	t=${r%% *}
	printf '%s\t%s\n' "${duration[${t%.sh}]:-120}" "$r"
done | sort -t $'\t' -k1,1nr -k2,2 -s)
for r in "${!one_kver[@]}"; do echo "${one_kver[$r]} $r"; done | sort >"$OUT/one-kernel.txt"
for kver in $KVERS; do
	for r in "${runs[@]}"; do
		[[ -n ${newest_only[${r%% *}]:-} && $kver != "$newest" ]] && continue
		[[ -n ${one_kver[$r]:-} && $kver != "${one_kver[$r]}" ]] && continue
		vm_jobs+=("$kver $r")
	done
done
vm_jobs+=("${extra_jobs[@]}")
# Step 6, the harness's self-tests: "KVER vm/harness/NAME.sh", each on the
# first kernel (or the first built with the option on its "# needs: CONFIG_X"
# line: KFENCE is in 6.12, not 6.1).
declare -A expect_of=()
if ! skip harness && selected harness; then
	for t in tests/vm/harness/*.sh; do
		name=vm/harness/$(basename "$t")
		# Without it, a self-test would count as an ordinary run: one that
		# passes when the harness has stopped catching what it shows.
		if ! grep -q '^# expect: .' "$t"; then
			failure "$t: no '# expect:' line"
			continue
		fi
		needs=$(sed -n 's/^# needs: *//p' "$t")
		kver=
		for k in $KVERS; do
			if [[ -z $needs ]] || grep -q "^$needs=y" "$KROOT/boot/config-$k"; then
				kver=$k
				break
			fi
		done
		if [[ -z $kver ]]; then
			heading "${name#vm/}: skipped, no kernel in KVERS has $needs"
			continue
		fi
		# Each runs with run.sh's own boot slack: hostkill.sh waits for the host's
		# timeout, its 10 s and that slack (70 s), in a slot that others share.
		expect_of["$kver $name"]=$(sed -n 's/^# expect: *//p' "$t" | head -n 1)
		vm_jobs+=("$kver $name")
	done
fi
# job_key JOB: sets weight[JOB] and appends JOB's sort line to keys: weight,
# expected seconds (the durations' key is the test's name, or harness/NAME) and
# the job. In this shell, not in a $(...): weight[] must outlive it.
keys=
job_key() {
	local t=${1#* }
	t=${t%% *}
	weight[$1]=1
	# With JOBS=1, one at a time, heavy or not.
	[[ $t == vm/* ]] || t=vm/$t
	grep -qx '# cpu: heavy' "tests/$t" && ((JOBS >= 2)) && weight[$1]=2
	t=${t#vm/}
	keys+=$(printf '%s\t%s\t%s' "${weight[$1]}" "${duration[${t%.sh}]:-120}" "$1")$'\n'
}
for j in "${vm_jobs[@]}"; do job_key "$j"; done
mapfile -t vm_jobs < <(printf '%s' "$keys" | sort -t $'\t' -k1,1nr -k2,2nr -s | cut -f3)
printf '%s\n' "${vm_jobs[@]}" >"$OUT/vm-order.txt"
declare -A job_of=()
busy=0
vm_done() { # PID: report a finished run
	local job=${job_of[$1]} rc why
	rc=$(cat "$OUT/.vm-$1.rc" 2>/dev/null || echo 1)
	if [[ -n ${expect_of[$job]:-} ]]; then
		harness_done "$1" "$rc"
		return
	fi
	heading "$job"
	cat "$OUT/.vm-$1.out"
	# CI shows only the end of the output: the summary names why a run failed
	# (the test's first FAIL line, or the guest's verdict on its kernel log and
	# the line after it, else run.sh's own verdict, its last line).
	why=$(grep -E '^FAIL: ' "$OUT/.vm-$1.out" | grep -v "^FAIL: ${job%% *} " | head -n 1 || true)
	[[ -n $why ]] || why=$(grep -A1 '^=== FAIL: ' "$OUT/.vm-$1.out" | head -n 2 | paste -s -d ' ' || true)
	why=$(sed 's/^=== //; s/^FAIL: //' <<<"$why" | cut -c1-300)
	[[ -n $why ]] || why=$(tail -n 1 "$OUT/.vm-$1.out" | sed 's/^FAIL: //' | cut -c1-300)
	grep -h 'wait_for overran' "$OUT/.vm-$1.out" | sed "s|^|$job: |" >>"$OUT/overruns.txt" || true
	rm -f "$OUT/.vm-$1.out" "$OUT/.vm-$1.rc"
	unset "job_of[$1]"
	busy=$((busy - weight[$job]))
	if ((rc == 0)); then
		pass "$job"
	else
		failure "vm: $job: $why"
	fi
}
# harness_done PID RC: a harness self-test passes when its run failed, for the
# reason on its "# expect:" line.
harness_done() {
	local job=${job_of[$1]}
	heading "${job%% *}: ${job#*vm/} (must fail: ${expect_of[$job]})"
	tail -n 1 "$OUT/.vm-$1.out" | sed 's/^FAIL: /as it should: /'
	if (($2 != 0)) && grep -qF -- "${expect_of[$job]}" "$OUT/.vm-$1.out"; then
		echo "PASS: the harness caught it"
		pass "$job"
	else
		echo "FAIL: expected run.sh to fail with '${expect_of[$job]}' (exit status $2)"
		failure "harness: $job"
	fi
	rm -f "$OUT/.vm-$1.out" "$OUT/.vm-$1.rc"
	unset "job_of[$1]"
	busy=$((busy - weight[$job]))
}
# next_fit: the index of the first job not yet started that may start now.
started_job=()
next_fit() {
	local i
	for i in "${!vm_jobs[@]}"; do
		[[ -n ${started_job[i]:-} ]] && continue
		((busy + weight[${vm_jobs[i]}] <= JOBS)) && { echo "$i"; return 0; }
	done
	return 1
}
left=${#vm_jobs[@]}
while ((left > 0 || ${#job_of[@]} > 0)); do
	if ((left > 0)) && i=$(next_fit); then
		job=${vm_jobs[i]}
		started_job[i]=1
		left=$((left - 1))
		busy=$((busy + weight[$job]))
		# An extra kernel boots from where scripts/kernels.sh unpacked it.
		kroot=$KROOT
		[[ " $EXTRA_KVERS " == *" ${job%% *} "* ]] && kroot=$TOP/build/kernels/root
		# shellcheck disable=SC2086 # a job is a kernel, a test name and its argument
		(exec >"$OUT/.vm-$BASHPID.out" 2>&1; KROOT=$kroot tests/vm/run.sh $job; echo $? >"$OUT/.vm-$BASHPID.rc") &
		job_of[$!]=$job
		continue
	fi
	wait -n -p finished
	vm_done "$finished"
done

# relayctl metrics' text through Prometheus's promtool too (tests/promtool.sh):
# the unit test's synthetic relays and what t-metrics logged on each kernel.
if ! skip promtool && selected t-metrics.sh; then
	heading "metrics format: promtool check metrics"
	# On the kernels t-metrics ran on ("# kernels: newest": the last alone).
	metrics_kvers=$KVERS
	[[ -n ${newest_only[t-metrics.sh]:-} ]] && metrics_kvers=$newest
	# shellcheck disable=SC2086
	tests/promtool.sh $metrics_kvers | tee "$OUT/promtool.log"
	pass promtool "$(grep -c '^PASS:' "$OUT/promtool.log")"
	n_fail=$(grep -c '^FAIL:' "$OUT/promtool.log")
	((n_fail == 0)) || failure "promtool: see tests/out/promtool.log" "$n_fail"
fi

if ! skip dkms && selected dkms; then
	heading "DKMS build"
	# The installed kernels get theirs from the packages' DKMS build (5b), unless
	# that step is skipped.
	dkms_kvers=$EXTRA_KVERS
	if skip deb || ! selected deb; then dkms_kvers="$KVERS $EXTRA_KVERS"; fi
	# shellcheck disable=SC2086
	tests/dkms.sh $dkms_kvers | tee "$OUT/dkms.log"
	n_pass=$(grep -c '^PASS:' "$OUT/dkms.log")
	n_fail=$(grep -c '^FAIL:' "$OUT/dkms.log")
	pass dkms "$n_pass"
	((n_fail == 0)) || failure "dkms: $n_fail failure(s), see tests/out/dkms.log" "$n_fail"
fi

if ! skip deb && selected deb; then
	heading "Debian packages"
	step_start=$(date +%s)
	# t-relay with the module DKMS built: on the newest kernel (DEB_KVERS).
	# shellcheck disable=SC2086
	tests/deb.sh ${DEB_KVERS:-${KVERS##* }} | tee "$OUT/deb.log"
	pass deb "$(grep -c '^PASS:' "$OUT/deb.log")"
	n_fail=$(grep -c '^FAIL:' "$OUT/deb.log")
	((n_fail == 0)) || failure "deb: $n_fail failure(s), see tests/out/deb.log" "$n_fail"
	echo "Debian packages: $(($(date +%s) - step_start)) s"
fi

heading "summary ($(($(date +%s) - started)) s)"
if [[ -s $OUT/overruns.txt ]]; then
	echo "waits that took longer than their bound (tests/out/overruns.txt; not failures):"
	sort "$OUT/overruns.txt"
fi
for f in "${failures[@]}"; do
	echo "FAILED: $f"
done
echo "$passed passed, $failed failed"
((failed == 0))
