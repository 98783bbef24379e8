#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh KVER TEST [ARGS...]
#
# Boot Debian's kernel KVER in QEMU (TCG) with the lab initramfs and run TEST, a
# script under tests/vm/ (or a path relative to tests/), inside the guest under
# "bash -e". The guest checks its kernel log afterwards. Prints the console, then one
# "PASS:"/"FAIL:" line, and exits with the test's status (non-zero on any failure).
#
# TIMEOUT     seconds the test may run in the guest (default: the test's
#             "# timeout: N" line, else 300). The host kills QEMU BOOT_SLACK (60) s
#             later: booting, and the checks after the test, take time too.
# TIMEOUT_FACTOR   multiplies both (default 1): for a kernel slower than Debian's
#             by design, such as make check-kasan's (tests/kasan.sh), not for load
# LOGDIR      where the console log goes (default tests/out/KVER)
# VM_MEM, VM_SMP   guest memory in MiB (1024) and CPUs (2)
# VM_ACCEL    QEMU's accelerator (default tcg,thread=single: every vCPU in one host
#             thread; bench/run.sh sets tcg,thread=multi for parallel vCPUs)
# FUZZ_*, CHURN_*   passed to the test's environment (names and values of
#             [A-Za-z0-9._-]): how long a fuzzing or churn test runs
# VM_NETS     1 (default): boot with the memory-safety nets KVER's config supports
#             (SLUB debugging, page poisoning, KFENCE; docs/testing.md) and fail on
#             their reports; 0: without them (bench/run.sh: they distort timings).
#             VM_NETS_CMDLINE replaces the nets' kernel parameters. A test's
#             "# slub-owners: CACHE..." line adds caches (globs such as kmalloc-*)
#             to those whose objects' allocating stacks SLUB records (the nets'
#             U flag, which the module's own cache has anyway), nets or not: a
#             leak count by allocating site needs them (tests/lib/leak.sh).
# VERBOSE=1   also show the guest's full kernel log on the terminal
# WGRELAY_KO  the module to boot with (default build/KVER/wgrelay.ko, or the debug
#             build for a test with a "# module: debug" line)
# KROOT       where KVER's image, config and modules are, if not in / (the extra
#             kernels scripts/kernels.sh unpacks into build/kernels/root)

set -euo pipefail

KVER=${1:?usage: run.sh KVER TEST [ARGS...]}
TEST=${2:?usage: run.sh KVER TEST [ARGS...]}
shift 2
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

[[ $TEST == */* ]] || TEST=vm/$TEST
[[ -f $TOP/tests/$TEST ]] || { echo "run.sh: no test $TOP/tests/$TEST" >&2; exit 2; }
export KROOT=${KROOT:-}
[[ -f $KROOT/boot/vmlinuz-$KVER ]] || { echo "run.sh: no kernel $KROOT/boot/vmlinuz-$KVER" >&2; exit 2; }

timeout=${TIMEOUT:-$(sed -n 's/^# timeout: *\([0-9]\+\).*/\1/p' "$TOP/tests/$TEST" | awk 'NR == 1')}
timeout=${timeout:-300}
factor=${TIMEOUT_FACTOR:-1}
[[ $factor =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: TIMEOUT_FACTOR must be a whole number (not '$factor')" >&2; exit 2; }
timeout=$((timeout * factor))
# "# module: debug": the test needs the debug build's test-only knobs (debugfs.c).
if [[ -z ${WGRELAY_KO:-} ]] && grep -q '^# module: debug$' "$TOP/tests/$TEST"; then
	export WGRELAY_KO=$TOP/build/$KVER-debug/wgrelay.ko
	[[ -f $WGRELAY_KO ]] || { echo "run.sh: $TEST needs the debug build (make module-debug KVER=$KVER)" >&2; exit 2; }
fi
# The log's name: vm/t-wg-hub.sh go -> t-wg-hub-go, vm/harness/panic.sh -> harness-panic.
name=${TEST#vm/}
name=${name%.sh}${1:+-$*}
name=$(printf '%s' "$name" | tr -c 'A-Za-z0-9_.=-' -)
logdir=${LOGDIR:-$TOP/tests/out/$KVER}
log=$logdir/$name.log
vmdir=$TOP/build/vm/$KVER
mkdir -p "$logdir" "$vmdir"

initrd=$(mktemp "$vmdir/initrd.XXXXXX")
trap 'rm -f "$initrd" "$initrd.overlay"' EXIT
trap 'exit 130' INT TERM
if ! base=$("$TOP/tests/vm/mkinitramfs.sh" "$KVER" "$vmdir" "$initrd.overlay"); then
	echo "FAIL: $KVER $name: could not build the initramfs"
	exit 1
fi
cat "$base" "$initrd.overlay" >"$initrd"

nonce=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
args=$(printf '%q ' "$@" | base64 -w0)
# FUZZ_* and CHURN_* variables (FUZZ_DATAGRAMS, CHURN_CYCLES, ...) reach the test:
# how long a fuzzing or churn test runs. Only names and values of a safe alphabet:
# init exports them.
test_env=$(env | grep -E '^(FUZZ|CHURN)_[A-Z0-9_]+=[A-Za-z0-9._-]*$' | base64 -w0 || true)
# The guest kills a hung test itself, so that its kernel log still gets checked
# and printed; the host's timeout is for a guest that hangs as a whole.
cmdline="console=ttyS0 quiet panic=-1 random.trust_cpu=on wgr.test=$TEST wgr.nonce=$nonce wgr.timeout=$timeout wgr.args=$args${test_env:+ wgr.env=$test_env}"
# The memory-safety nets (docs/testing.md), those KVER's config has: SLUB's
# consistency checks, red zones and poisoning on every cache, and the allocating
# and freeing stacks too on the module's own (on every cache they cost half as much
# again as all the rest); poisoned free pages; KFENCE guarding one allocation a tick
# (HZ=250: 4 ms). The guest fails the test on any report (tests/vm/init). A bigger
# log buffer keeps a report from scrolling out of a chatty test's log.
# SLUB takes the first block of slub_debug whose list names a cache, and that
# block's flags alone: a test's "# slub-owners:" caches join the list of the
# module's own, so that they keep every net and gain the stacks.
config=$KROOT/boot/config-$KVER
owners=$(sed -n 's/^# slub-owners: *//p' "$TOP/tests/$TEST" | awk 'NR == 1 { $1 = $1; gsub(" ", ","); print }')
if [[ ${VM_NETS:-1} == 1 ]]; then
	nets=${VM_NETS_CMDLINE:-$(
		grep -q '^CONFIG_SLUB_DEBUG=y' "$config" && printf ' slub_debug=FZP;FZPU,wgr_pair%s' "${owners:+,$owners}"
		grep -q '^CONFIG_PAGE_POISONING=y' "$config" && printf ' page_poison=1'
		# The kernel says page poisoning is on only when it overrides init_on_alloc,
		# Debian's default, which tests/vm/init looks for: so on a kernel without
		# that default (make check-kasan's) too.
		grep -q '^CONFIG_PAGE_POISONING=y' "$config" && ! grep -q '^CONFIG_INIT_ON_ALLOC_DEFAULT_ON=y' "$config" &&
			printf ' init_on_alloc=1'
		grep -q '^CONFIG_KFENCE=y' "$config" && printf ' kfence.sample_interval=1'
		printf ' log_buf_len=1M'
	)}
	cmdline+=" wgr.nets=1 $nets"
elif [[ -n $owners ]] && grep -q '^CONFIG_SLUB_DEBUG=y' "$config"; then
	cmdline+=" slub_debug=U,wgr_pair,$owners"
fi
host_timeout=$((timeout + ${BOOT_SLACK:-60} * factor))

boot() {
	set +e
	timeout -k 5 "$host_timeout" qemu-system-x86_64 \
		-accel "${VM_ACCEL:-tcg,thread=single}" -cpu max -smp "${VM_SMP:-2}" -m "${VM_MEM:-1024}" \
		-nographic -no-reboot -nic none -device virtio-rng-pci \
		-kernel "$KROOT/boot/vmlinuz-$KVER" -initrd "$initrd" -append "$cmdline" \
		</dev/null 2>&1 | sed -u 's/\x1b[[0-9;?]*[a-zA-Z]//g; s/\x1bc//g; s/\r$//' | tee "$log" |
		awk -v b="WGR-DMESG-BEGIN-$nonce" -v e="WGR-DMESG-END-$nonce" -v all="${VERBOSE:-0}" '
			$0 == b { hide = !all } !hide { print; fflush() } $0 == e { hide = 0 }'
	qemu_rc=${PIPESTATUS[0]}
	set -e
}

# cpu_secs FILE: the children's CPU seconds in what the times builtin wrote to FILE.
# (Run times itself in this shell: in a command substitution it would report
# the subshell's children.)
cpu_secs() {
	awk 'NR == 2 { s = 0; for (i = 1; i <= 2; i++) { split($i, t, /[ms]/); s += t[1] * 60 + t[2] }; printf "%d\n", s }' "$1"
}

start=$(date +%s)
times >"$log.cpu0"
boot
# Tests run with one host thread for all vCPUs (VM_ACCEL above): then no vCPU can
# run a jump another one is half-way through patching. Under multi-threaded TCG
# (the benchmarks) a multi-CPU guest now and then dies of an int3 Oops while the kernel
# patches its own text (a static branch flipped on one vCPU, the other running the
# half-patched jump: seen during boot in sched_clock_cpu with no module loaded, and
# mid-test in __netif_receive_skb_core). QEMU's cross-vCPU code modification, not
# the kernel: int3 is only ever planted by text patching (BUG and WARN use ud2).
# So a panic before the guest announced the test, or one from an int3 Oops, boots
# once more; any other panic, or the same again, stays a failure.
if ! grep -q "^WGR-RESULT-$nonce " "$log" && grep -q 'Kernel panic' "$log" &&
	{ ! grep -q "^=== $TEST " "$log" || grep -q 'Oops: int3' "$log"; }; then
	mv "$log" "$log.tcg-panic"
	echo "run.sh: the guest died of a TCG text-patching fault (int3 Oops) or while booting;" \
		"booting again (first boot: ${log#"$TOP"/}.tcg-panic)"
	boot
fi
took=$(($(date +%s) - start))
# What the guest cost the host, for "# cpu: heavy" (tests/run-all.sh's slots).
times >"$log.cpu1"
cpu=$(($(cpu_secs "$log.cpu1") - $(cpu_secs "$log.cpu0")))
rm -f "$log.cpu0" "$log.cpu1"
echo "=== host CPU: $cpu s in $took s ($((cpu * 100 / (took > 0 ? took : 1)))% of a core)"

rc=$(sed -n "s/^WGR-RESULT-$nonce rc=\([0-9]\+\)$/\1/p" "$log" | tail -1)
if [[ -z $rc ]]; then
	if grep -q 'Kernel panic' "$log"; then
		why="guest kernel panic"
	elif ((qemu_rc == 124 || qemu_rc == 137)); then
		why="timed out after $host_timeout s (the guest hung)"
	else
		why="guest gave no result (qemu exit status $qemu_rc)"
	fi
	rc=1
elif ((rc == 137)); then
	why="killed after the guest-side timeout"
elif ((rc != 0)); then
	why="exit status $rc"
fi

if ((rc == 0)); then
	echo "PASS: $KVER $name (${took} s)"
else
	echo "FAIL: $KVER $name: $why (${took} s, log: ${log#"$TOP"/})"
fi
exit "$rc"
