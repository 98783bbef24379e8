#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A remapped initiator's session stays anchored in a full table (trust model v2,
# promise 1 "survives a CGNAT remap" and promise 4; pass 6, G5). An insider,
# mallory, fills the relay's session table from a host in the lab's own /24
# (203.0.113.66, beside both NATs' public addresses), so that its pairs and the
# talking pair's are counted against one prefix: every new pair of mallory's
# evicts that prefix's oldest pair that is not anchored. The laptop (the
# initiator) and home ping each other all along. Then the hotel NAT remaps the
# laptop: its data leaves from a new port and roams its half of the session.
#
# Before, a roam of the initiator's half took the pair off its route (pass 5,
# C2: the route does not follow a roam), and only a pair route was anchored: the
# flood evicted the session within a second, the laptop's data met
# rx_no_session, and the pair was cut off until WireGuard gave up on it and
# handshook anew (15 s of silence, plus a retry for the relay's cookie). Now the
# pair that was the route when its initiator roamed stays anchored while each
# half is where its owner talks (the laptop's roam out of its live binding, home's
# binding): the pings go on through the remap.
#
# What must hold: the session the laptop remapped in is the one still in use
# (no new handshake), no ping gap over 3 s, and the flood kept the table full and
# evicted all along.
#
# cpu: heavy
# timeout: 300
# kernels: one

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cgnat.sh"
. "$(dirname "$0")/../lib/relay.sh"

ATTACKER4=203.0.113.66 MALLORY_PORT=4444 MAX=64 FLOOD_SECS=75 PINGS=50
cgnat_setup
# The hotel NAT picks a new port for a mapping it forgot (as t-trust-remap).
n hotelnat nft flush chain ip nat postrouting
n hotelnat nft add rule ip nat postrouting oifname wan0 ip saddr 10.0.0.0/24 masquerade random
ns_add attacker
public attacker eth0 "$ATTACKER4"

wg_keys home laptop mallory ghost1 ghost2
RELAY_SETTINGS="MaxSessions = $MAX"
RELAY_PEER_EXTRA[mallory]="Endpoint = $ATTACKER4:$MALLORY_PORT"
relay_up home laptop mallory ghost1 ghost2
wg_peers "$RELAY_EP" "$RELAY_EP"
pair_works laptop home
# The session in use must be one the laptop initiated (its half is half 0): its
# WireGuard forgets home and handshakes anew, as after a restart.
n laptop wg set "${WG_IF[laptop]}" peer "${WG_PUB[home]}" remove
wg_mesh_peer laptop home "$RELAY_EP"
pair_works laptop home
laptop_ep=$(binding_ep laptop)
log "home at $(binding_ep home), laptop at $laptop_ep"
latest_handshake() { n laptop wg show "${WG_IF[laptop]}" latest-handshakes | awk '{ print $2 }'; }
hs_before=$(latest_handshake)

step "mallory fills the session table from $ATTACKER4 (the lab's /24), 100 pairs a second"
bg attacker wgr-forge fill "$VPS4" "$RELAY_PORT" "$FLOOD_SECS" 100 "$MALLORY_PORT" 8 \
	"${WG_PUB[mallory]}" "${WG_PUB[ghost1]}" "${WG_PUB[ghost2]}" >"$TMP/fill.out"
fill_pid=$BG_PID
for ((i = 0; i < 30 && $(relay_stat sessions) < MAX - 4; i++)); do
	sleep 1
done
(($(relay_stat sessions) >= MAX - 4)) || fail "mallory's flood did not fill the table in 30 s"
evicted0=$(relay_stat sessions_evicted)
ping_record laptop "${WG_ADDR[home]}" "$PINGS" "$TMP/ping-laptop"
laptop_pings=$BG_PID
ping_record home "${WG_ADDR[laptop]}" "$PINGS" "$TMP/ping-home"
home_pings=$BG_PID
sleep 10
# The session is anchored as a route: the flood evicts around it.
(($(relay_stat sessions_evicted) > evicted0)) || fail "the full table evicted nothing in 10 s"

step "the hotel NAT remaps the laptop, the table full"
roams=$(relay_stat roams) evicted1=$(relay_stat sessions_evicted)
n hotelnat conntrack -F 2>/dev/null
wait "$laptop_pings" || true
wait "$home_pings" || true
log "roams +$(($(relay_stat roams) - roams)), sessions_evicted +$(($(relay_stat sessions_evicted) - evicted1))," \
	"rx_no_session $(relay_stat rx_no_session)"
log "laptop: $(binding_line laptop); sessions at the hotel NAT: $(relay_sessions | grep -c "$HOTEL4")"
read -r got_l gap_l < <(ping_report "$TMP/ping-laptop" "$PINGS")
read -r got_h gap_h < <(ping_report "$TMP/ping-home" "$PINGS")
log "laptop -> home: $got_l of $PINGS answered, longest gap $gap_l s;" \
	"home -> laptop: $got_h of $PINGS, longest gap $gap_h s"
hs_after=$(latest_handshake)
wait "$fill_pid" || true
cat "$TMP/fill.out"

step "what must hold"
(($(relay_stat roams) > roams)) || fail "the laptop's data did not roam: no remap happened"
(($(relay_stat sessions_evicted) > evicted1 + 20)) || fail "the flood stopped evicting during the remap"
assert_eq "$hs_before" "$hs_after" "the laptop's last handshake (its session must survive the remap)"
measure anchor_gap_laptop "$gap_l"
measure anchor_gap_home "$gap_h"
assert_le "$gap_l" 3 "the laptop's longest run of unanswered pings"
assert_le "$gap_h" 3 "home's longest run of unanswered pings"
log "PASS"
