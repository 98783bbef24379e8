#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The mac1 scan budget, which bounds what a flood of initiations for nobody can
# cost: an initiation whose mac1 matches none of its source's recent targets makes
# the relay try every peer's mac1 key, and the relay spends at most
# WGR_SCANS_PER_SECOND such computations a second in all. Under TCG a full scan is
# about as slow as that budget allows, so the CPU alone would seem to enforce it:
# the debug build's knob lowers the budget to one full scan a second here, so that
# what is counted is the budget, and then puts it back to show that the same
# initiations, at a rate the per-address limit lets through, are all scanned.
#
# module: debug
# cpu: heavy
# timeout: 240

. "$(dirname "$0")/../lib/common.sh"

PEERS=1000
relay_stat() { n r cat "/sys/class/net/relay0/wgrelay/$1"; }
now() { date +%s.%N; }

step "a relay with $PEERS peers; an attacker beside it"
ns_add r attacker
ip link add eth0 netns r type veth peer name eth0 netns attacker
n r ip link set eth0 up
n attacker ip link set eth0 up
n r ip addr add 10.9.0.1/24 dev eth0
n attacker ip addr add 10.9.0.2/24 dev eth0
{
	printf '[Relay]\nListenPort = 51820\n'
	for ((i = 1; i <= PEERS; i++)); do
		printf '\n[Peer]\nPublicKey = %s\n' "$(key "$i")"
	done
} >"$TMP/relay0.conf"
n r ip link add relay0 type wgrelay
n r relayctl setconf relay0 "$TMP/relay0.conf"
n r ip link set relay0 up
assert_eq "$PEERS" "$(n r relayctl show relay0 peers | wc -l)" "peers"

# flood COUNT PPS: initiations with a mac1 for a key no peer has, from one address.
# With more than 256 peers their scans wait in the scan worker's bounded queue,
# where a scan the budget cannot pay for waits for it. Sets UNKNOWN (full scans
# that found nobody) and REFUSED (rate-limited, or no room in the queue), and
# SECS, once every initiation is one or the other.
flood() {
	local u0 r0 t0 want=$1
	u0=$(relay_stat hs_unknown_target) r0=$(relay_stat hs_ratelimited) t0=$(now)
	n attacker wgr-forge initiation 10.9.0.1 51820 "$1" "$2" "$(key 99999)"
	wait_for 60 eval '(($(relay_stat hs_unknown_target) - u0 + $(relay_stat hs_ratelimited) - r0 >= want))'
	SECS=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%d", b - a + 1 }')
	UNKNOWN=$(($(relay_stat hs_unknown_target) - u0)) REFUSED=$(($(relay_stat hs_ratelimited) - r0))
	log "$1 initiations in under $SECS s: $UNKNOWN scanned, $REFUSED refused"
	assert_eq "$1" $((UNKNOWN + REFUSED)) "initiations scanned or refused"
}

step "budget: $PEERS mac1 a second, one full scan: 60 initiations at 20 a second"
log "$(debug_ctl r relay0 scan-rate "$PEERS")"
flood 60 20
# One scan a second, a second's worth at the start, and at most one more per CPU
# in flight when the budget ran out.
((UNKNOWN >= 1)) || fail "no initiation was scanned at all"
((UNKNOWN <= SECS + 1 + $(nproc))) || fail "$UNKNOWN full scans in $SECS s, over the budget"

step "the default budget: the same initiations, 20 at 10 a second, are all scanned"
log "$(debug_ctl r relay0 scan-rate 200000)"
flood 20 10
# 10 a second is within the per-address limit (20/s, bursts of 5); a late timer
# in the guest may still bunch a few together beyond the burst.
((UNKNOWN >= 15)) || fail "only $UNKNOWN of 20 initiations were scanned with the default budget"
