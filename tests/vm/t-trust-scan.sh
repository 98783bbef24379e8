#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Bounded softirq work (trust model v2, promise 4). A relay with 65,536 peers:
# an initiation whose mac1 is nobody's makes the relay try every peer's mac1 key.
# In softirq a datagram may try at most WGR_SCAN_INLINE peers; longer scans go to
# the scan worker's bounded queue, which runs with bottom halves enabled, so the
# data path goes on meanwhile. An attacker sends such initiations, from 10 ports,
# at 50 a second for 40 s, while home and the laptop ping each other: the pings
# are answered, and every junk initiation is accounted for (scanned, refused by
# the scan budget or a rate limit, or dropped by the full queue).
#
# The scan budget (200,000 mac1 a second) is a few percent of a real CPU, and all
# of one under TCG, which is some 30 times slower: the debug build's knob sets it
# to 20,000 here, about the same share of the guest's CPU.
#
# module: debug
# cpu: heavy
# timeout: 300
# kernels: one

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cgnat.sh"
. "$(dirname "$0")/../lib/relay.sh"

PEERS=65536 SECS=40
ATTACKER4=203.0.113.66
cgnat_setup
ns_add attacker
public attacker eth0 "$ATTACKER4"
wg_keys home laptop
relay_conf "$TMP/relay0.conf" home laptop
# Everyone else: provisioned, never online (keys made from numbers, as key() does).
awk -v n=$((PEERS - 2)) 'BEGIN { for (i = 1; i <= n; i++) printf "\n[Peer]\nPublicKey = %042dA=\n", i }' \
	>>"$TMP/relay0.conf"
n vps relayctl up "$TMP/relay0.conf"
assert_eq "$PEERS" "$(relay_stat peers)" "peers"
wg_peers "$RELAY_EP" "$RELAY_EP"
pair_works laptop home

step "junk initiations for nobody, 50 a second from 10 ports, while the pair pings"
log "$(debug_ctl vps relay0 scan-rate 20000)"
drops() { echo $(($(relay_stat hs_unknown_target) + $(relay_stat hs_ratelimited))); }
d0=$(drops)
ping_record laptop "${WG_ADDR[home]}" "$SECS" "$TMP/ping"
ping_pid=$BG_PID
junk=()
for i in $(seq 10); do
	n attacker wgr-forge initiation "$VPS4" "$RELAY_PORT" $((SECS * 5)) 5 "$(key 999999)" &
	junk+=($!)
done
wait "${junk[@]}"
wait "$ping_pid" || true
# What still waits for the worker is at most two seconds of its scan budget.
wait_for 60 eval '(($(drops) - d0 >= SECS * 50))'
# Replies within 2 s: the softirq work is what is measured, and a data path slowed
# by it shows as replies seconds late (ping_report's default allows 4).
read -r got gap <<<"$(ping_report "$TMP/ping" "$SECS" 2000)"
log "pings answered: $got of $SECS, longest gap $gap; $(grep -o 'rtt.*' "$TMP/ping")"
n vps relayctl show relay0 stats | grep -E 'hs_unknown_target|hs_ratelimited|rx_packets'
accounted=$(($(drops) - d0))
log "junk initiations accounted for: $accounted of $((SECS * 50))"
((accounted >= SECS * 50)) || fail "only $accounted of $((SECS * 50)) junk initiations were accounted for"
((got * 100 >= SECS * 95)) || fail "only $got of $SECS pings were answered"
((gap <= 2)) || fail "$gap pings in a row were lost"
