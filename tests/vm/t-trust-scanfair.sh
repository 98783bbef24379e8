#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The scan queue is fair across source prefixes (trust model v2, promise 4;
# pass 5, F1). A relay with 2,048 peers scans a handshake its hints do not
# explain in its worker, within its scan budget (set to 20,000 mac1 a second by
# the debug build's knob: about 10 scans a second, as 200,000 would be on a real
# CPU with 20,000 peers). An attacker on another prefix first earns the relay's
# cookie on each of 10 ports, then sends initiations whose mac1 is nobody's but
# whose mac2 is valid, 200 a second: to the relay they are "verified", and each
# costs a scan of every peer. Meanwhile a tablet that never talked to home
# connects to it: its handshake needs two scans (its initiation, and home's
# response, whose initiator the relay does not know yet).
#
# Before, one queue held every waiting handshake, verified ones first, and a
# full queue dropped unverified ones: the tablet's initiation never got a scan
# while the flood lasted. Now each /24 (IPv6 /48) waits in a line of its own and
# the lines take turns, so the flood waits behind itself.
#
# module: debug
# cpu: heavy
# timeout: 300
# kernels: one

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cgnat.sh"
. "$(dirname "$0")/../lib/relay.sh"

PEERS=2048 SECS=60 LIMIT=20 ATTACKER4=198.51.100.66
cgnat_setup
off_prefix_host attacker "$ATTACKER4"
behind_nat hotelnat tablet 10.0.1
WG_ADDR[tablet]=172.31.0.5
wg_keys home laptop tablet
relay_conf "$TMP/relay0.conf" home laptop tablet
# Everyone else: provisioned, never online (keys made from numbers, as key() does).
awk -v n=$((PEERS - 3)) 'BEGIN { for (i = 1; i <= n; i++) printf "\n[Peer]\nPublicKey = %042dA=\n", i }' \
	>>"$TMP/relay0.conf"
n vps relayctl up "$TMP/relay0.conf"
assert_eq "$PEERS" "$(relay_stat peers)" "peers"
wg_peers "$RELAY_EP" "$RELAY_EP"
pair_works laptop home

step "the attacker earns the relay's cookie on 10 ports, then floods with mac2"
bg attacker wgr-forge mac2junk "$VPS4" "$RELAY_PORT" "$SECS" 200 10 "$(key 777)" >"$TMP/junk"
junk_pid=$BG_PID
wait_for 30 grep -q "ports have the relay's cookie" "$TMP/junk"
log "$(head -1 "$TMP/junk")"
log "$(debug_ctl vps relay0 scan-rate 20000)"
sleep 5
rl0=$(relay_stat hs_ratelimited) unk0=$(relay_stat hs_unknown_target)

step "a tablet that never talked to home connects to it, through the flood"
wg_up tablet
count_initiations tablet
wg_mesh_peer tablet home "$RELAY_EP"
wg_mesh_peer home tablet "$RELAY_EP"
read -r tries t < <(handshake_tries tablet home "$LIMIT")
log "tablet -> home: $(handshake_said "$tries" "$t" "$LIMIT");" \
	"junk scanned for nobody +$(($(relay_stat hs_unknown_target) - unk0))," \
	"hs_ratelimited +$(($(relay_stat hs_ratelimited) - rl0))"
pair_works laptop home
wait "$junk_pid" || true
tail -1 "$TMP/junk"
# The flood was real: its initiations took the worker's scans all along.
(($(relay_stat hs_unknown_target) - unk0 >= 50)) || fail "the flood cost the worker few scans"
[[ $t =~ ^[0-9]+$ ]] || fail "the tablet did not reach home within $LIMIT s"
