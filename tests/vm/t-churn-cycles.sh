#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Device churn under traffic (issue 9, item 5): CHURN_CYCLES (default 100) times,
# relayctl up creates relay0 with 1,003 peers (1,000 provisioned only, home, the
# laptop and mallory), restores what the last down saved, and comes up; traffic
# flows; relayctl down saves the state and deletes the device while the traffic
# goes on. All the while:
#
#  - home and the laptop (stock WireGuard behind their NATs) talk: the laptop
#    pings home five times a second, and every cycle checks that a ping gets
#    through the new device (the restored session carries it, no new handshake);
#  - an attacker on another prefix sends initiations and responses whose mac1 is
#    valid for each of the 1,000 provisioned peers in turn (each one queued for a
#    scan of every peer), data on random indices and garbage;
#  - every cycle, mallory (an insider with a static endpoint at the attacker's
#    port 4444) makes confirmed pairs of its own for a second (wgr-forge fill),
#    in the names of eight of the 1,000 peers, different ones each cycle.
#
# After every delete, with no relay device left, the module's own objects must
# be back to what they were before the first cycle: every object of wgr_pair and
# every kmalloc() the module made, counted by allocating site (tests/lib/leak.sh).
# A pair, peer, handshake, source, rate-limit bucket or scan entry that a delete
# leaves behind is counted there and fails the cycle that leaked it.
#
# slub-owners: kmalloc-*
# timeout: 900

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cgnat.sh"
. "$(dirname "$0")/../lib/relay.sh"
. "$(dirname "$0")/../lib/leak.sh"

CYCLES=${CHURN_CYCLES:-100} NPEERS=1000
ATTACKER4=198.51.100.66 MALLORY_PORT=4444
export WGRELAY_STATE_DIR=$TMP/state

cgnat_setup
off_prefix_host attacker "$ATTACKER4"
wg_keys home laptop mallory
RELAY_PEER_EXTRA[mallory]="Endpoint = $ATTACKER4:$MALLORY_PORT"
# A bound on what every cycle saves and restores; a full table evicts, which churns too.
RELAY_SETTINGS="MaxSessions = 400"
relay_conf "$TMP/relay0.conf" home laptop mallory
keys=()
for ((i = 1; i <= NPEERS; i++)); do
	keys+=("$(key "$i")")
	printf '\n[Peer]\nPublicKey = %s\nName = p%d\n' "${keys[-1]}" "$i"
done >>"$TMP/relay0.conf"

modprobe wgrelay
leak_setup

step "home and the laptop talk through relay0 ($((NPEERS + 3)) peers)"
n vps relayctl up "$TMP/relay0.conf"
assert_eq $((NPEERS + 3)) "$(relay_stat peers)" "peers"
wg_peers "$RELAY_EP" "$RELAY_EP"
pair_works laptop home
bg laptop ping -q -c 100000 -i 0.2 -W 1 "${WG_ADDR[home]}"

step "the attacker's traffic, for as long as the cycles last"
bg attacker wgr-forge initiation "$VPS4" "$RELAY_PORT" 10000000 20 "${keys[@]}"
bg attacker wgr-forge response "$VPS4" "$RELAY_PORT" 10000000 50 "${keys[@]}"
bg attacker wgr-forge data "$VPS4" "$RELAY_PORT" 10000000 100
bg attacker wgr-forge garbage "$VPS4" "$RELAY_PORT" 10000000 50

step "$CYCLES cycles of down (save, delete), check, up (create, 1,003 peers, restore)"
start=$SECONDS
max_sessions=0 fill_out=
for ((c = 1; c <= CYCLES; c++)); do
	# Eight of the provisioned peers, others every cycle, name mallory's pairs.
	names=()
	for ((j = 0; j < 8; j++)); do
		names+=("${keys[(c * 8 + j) % NPEERS]}")
	done
	fill_out=$(n attacker wgr-forge fill "$VPS4" "$RELAY_PORT" 1 100 "$MALLORY_PORT" 8 \
		"${WG_PUB[mallory]}" "${names[@]}")
	wait_for 30 n laptop ping -c 1 -W 1 "${WG_ADDR[home]}"
	s=$(relay_stat sessions)
	((s > max_sessions)) && max_sessions=$s
	n vps relayctl down relay0 >/dev/null
	assert_fails n vps ip link show relay0
	if ((c % 25 == 0)); then
		settle "cycle $c"
	else
		settle "cycle $c" pairs
	fi
	# Every saved session goes back: relayctl sent hundreds of them in messages
	# too small for them once, and restored none.
	out=$(n vps relayctl up "$TMP/relay0.conf" 2>&1)
	assert_no_match "not restored" "$out" "relayctl up in cycle $c"
	assert_eq $((NPEERS + 3)) "$(relay_stat peers)" "peers in cycle $c"
	((c % 10)) || log "cycle $c: $(relay_stat sessions) sessions restored; last fill: $fill_out"
done
took=$((SECONDS - start))
log "$CYCLES cycles in $took s; at most $max_sessions sessions at a delete"
measure churn_cycles "$CYCLES"
measure churn_cycles_seconds "$took"
((max_sessions >= 4)) || fail "the cycles never had more sessions than the pair's own: $max_sessions"

step "the pair still talks; the last delete, and the baseline once more"
pair_works laptop home
show_relay >"$TMP/show"
head -20 "$TMP/show"
n vps relayctl down relay0 >/dev/null
settle "the last delete"
log "at the end: $(module_objects) objects of the module; $(slab_line); $(mem_line)"
