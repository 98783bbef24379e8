#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The session table at a size the handshake tests never reach, filled through the
# debug build's test-only knob (module/debugfs.c: synthetic confirmed pairs
# between the first two peers, receiver indices synth(0), synth(1), ...):
#
#  - relayctl's netlink dumps (text and --json) and /proc/net/wgrelay list every
#    session exactly once, across many messages and read() calls, in table order;
#  - a reader of /proc/net/wgrelay that pauses while half the table expires goes
#    on from about where it was: no session twice, no stale place followed
#    (struct wgr_sessions_pos);
#  - the gc sweep, which works in batches and drops the lock between them,
#    expires exactly the old half of the table and counts it;
#  - deleting the device with thousands of sessions is clean.
#
# module: debug
# cpu: heavy
# timeout: 400

. "$(dirname "$0")/../lib/common.sh"

ns_add r
r() { n r "$@"; }
relay_stat() { r cat "/sys/class/net/relay0/wgrelay/$1"; }
# synth FIRST LAST: the receiver indices of synthetic halves FIRST..LAST, in order
# (module/debugfs.c: synth_index()).
synth() {
	local i
	for ((i = $1; i <= $2; i++)); do
		printf '%08x\n' $(((i * 2654435761 + 0x5bd1e995) & 0xffffffff))
	done
}

PAIRS=3000	# per batch: two batches, 12,000 sessions in all
step "a relay with two peers, and ${PAIRS} synthetic pairs, then ${PAIRS} more 24 s later"
r ip link add relay0 type wgrelay
r relayctl set relay0 max-sessions 100000 peer "$(key 1)" name a peer "$(key 2)" name b
r ip link set relay0 up
out=$(debug_ctl r relay0 fill "$PAIRS")
log "$out"
assert_match "ret 0$" "$out" "first fill"
synth 0 $((2 * PAIRS - 1)) >"$TMP/old"
synth $((2 * PAIRS)) $((4 * PAIRS - 1)) >"$TMP/new"
cat "$TMP/old" "$TMP/new" >"$TMP/all"
sleep 24
out=$(debug_ctl r relay0 fill $((2 * PAIRS)))
log "$out"
assert_match "ret 0$" "$out" "second fill"
assert_eq $((4 * PAIRS)) "$(relay_stat sessions)" "sessions after filling"

step "a reader of /proc/net/wgrelay pauses; the older half of the table expires"
# session-timeout 12 for a moment: the first batch is over 24 s old, the second
# a moment old (under 12 s however long a busy host stalls the guest between
# the second fill and the sweep: 6 s was within reach). (The periodic sweep may
# get to the first batch before the debug knob's sweep does: then that one finds
# nothing more to expire.)
r bash -c '
	set -e
	exec 3</proc/net/wgrelay
	dd bs=32768 count=3 <&3 >"$1/part1" 2>/dev/null
	relayctl set relay0 session-timeout 12
	mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
	echo "relay0 gc" >/sys/kernel/debug/wgrelay/ctl
	cat /sys/kernel/debug/wgrelay/ctl >"$1/gc"
	relayctl set relay0 session-timeout 180
	cat <&3 >"$1/part2"' - "$TMP"
log "$(cat "$TMP/gc")"
assert_match "^gc sessions $((2 * PAIRS)) " "$(cat "$TMP/gc")" "what the sweep left"
assert_eq $((2 * PAIRS)) "$(relay_stat sessions)" "sessions after the sweep"
assert_eq $((2 * PAIRS)) "$(relay_stat sessions_expired)" "sessions the sweep expired"
# Whole lines only: the read() boundary cuts one in two.
cat "$TMP/part1" "$TMP/part2" | awk 'NR > 1 && NF == 10 { print $2 }' >"$TMP/read"
log "read $(wc -l <"$TMP/read") sessions: $(grep -cxFf "$TMP/old" "$TMP/read" || true) old," \
	"$(grep -cxFf "$TMP/new" "$TMP/read" || true) new"
assert_eq "" "$(sort "$TMP/read" | uniq -d)" "sessions the paused reader saw twice"
# What came after the pause is the rest of the table from where the reader stood,
# by position: it had read P sessions (up to a record of REC more, loaded but not
# yet shown; REC is PROC_BATCH in module/procfs.c), so the new batch from about P
# on, in order, to its last session.
REC=16
p=$(awk 'NR > 1 && NF == 10' "$TMP/part1" | wc -l)
((p >= REC)) || fail "three read()s got only $p sessions"
awk 'NR > 1 && NF == 10 { print $2 }' "$TMP/part2" | grep -xFf "$TMP/new" >"$TMP/read-new" || true
n=$(wc -l <"$TMP/read-new")
log "read $p sessions before the pause, $n of the new batch after it"
((n >= 2 * PAIRS - p - REC && n <= 2 * PAIRS - p + 1)) ||
	fail "the reader went on from the wrong place: $n new sessions after reading $p"
assert_eq "$(tail -n "$n" "$TMP/new")" "$(cat "$TMP/read-new")" "the new sessions after the pause"

step "every session, once and in table order, however it is read"
r tail -n +2 /proc/net/wgrelay | awk '{ print $2 }' >"$TMP/proc"
assert_eq "$(cat "$TMP/new")" "$(cat "$TMP/proc")" "/proc/net/wgrelay"
# Small reads: one record (a batch of sessions) spans several of them.
r dd if=/proc/net/wgrelay bs=333 2>/dev/null | tail -n +2 | awk '{ print $2 }' >"$TMP/proc-small"
assert_eq "$(cat "$TMP/new")" "$(cat "$TMP/proc-small")" "/proc/net/wgrelay in 333-byte reads"
out=$(debug_ctl r relay0 fill $((3 * PAIRS)))
assert_match "ret 0$" "$out" "third fill"
synth $((4 * PAIRS)) $((6 * PAIRS - 1)) >>"$TMP/new"
r relayctl show relay0 sessions | awk 'NR > 1 { print $1 }' >"$TMP/dump"
assert_eq "$(cat "$TMP/new")" "$(cat "$TMP/dump")" "relayctl show relay0 sessions"
assert_eq $((4 * PAIRS)) "$(r relayctl show relay0 sessions --json | grep -o '"receiver_index":' | wc -l)" \
	"sessions in relayctl show relay0 sessions --json"

step "the device goes, with its $((4 * PAIRS)) sessions"
r ip link del relay0
assert_eq "" "$(r ip link show type wgrelay)" "relay devices left"
