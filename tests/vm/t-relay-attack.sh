#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# An attacker on the Internet who knows every public key throws everything an
# off-path attacker can make at the relay, at a bounded rate, while home and the
# laptop talk: initiations and responses with valid mac1 for both peers, cookie
# replies, data with guessed indices, garbage; then 100,000 random datagrams. The
# established session keeps working, no binding moves to the attacker, every
# datagram the relay drops is counted, and the kernel does not complain. Last, the
# attacker tries to play both ends of a handshake through discovery, naming the
# laptop as initiator: home's binding is live, so the relay copies nothing to the
# attacker's candidate (trust model v2) and the staging fails at its first step.
#
# cpu: heavy
# timeout: 400

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cgnat.sh"
. "$(dirname "$0")/../lib/relay.sh"

ATTACKER4=203.0.113.66
cgnat_setup
ns_add attacker
public attacker eth0 "$ATTACKER4"
wg_keys home laptop ghost
# ghost: provisioned, never online; the attacker's bait for discovery.
relay_up home laptop ghost
wg_peers "$RELAY_EP" "$RELAY_EP"
pair_works laptop home
# bindings: each peer's binding and its status (live, stale...; not whether it
# is proven, which a peer's retry can change meanwhile).
bindings() {
	n vps relayctl show relay0 | awk '/binding:/ { s = $3; gsub(/[(),]/, "", s); print $2, s }' | sort
}
before=$(bindings)
echo "$before"

drops() {
	local s sum=0
	for s in rx_invalid hs_ratelimited hs_unknown_target hs_unsolicited hs_denied \
		rx_no_session hs_no_route sessions_full loop_drops; do
		sum=$((sum + $(relay_stat $s)))
	done
	echo "$sum"
}
forge() { n attacker wgr-forge "$@"; }

step "forged handshakes with valid mac1, forged answers and guessed data, while the peers talk"
bg laptop ping -q -i 0.2 -c 100 "${WG_ADDR[home]}"
ping_pid=$BG_PID
rx0=$(relay_stat rx_packets) drops0=$(drops) fwd0=$(relay_stat hs_initiations)
sent=0
for mode in initiation response; do
	for who in home laptop; do
		forge "$mode" "$VPS4" "$RELAY_PORT" 400 200 "${WG_PUB[$who]}"
		sent=$((sent + 400))
	done
done
forge cookie "$VPS4" "$RELAY_PORT" 400 400
forge data "$VPS4" "$RELAY_PORT" 2000 1000
forge garbage "$VPS4" "$RELAY_PORT" 2000 1000
sent=$((sent + 4400))
wait "$ping_pid" || fail "the peers' ping failed during the attack"
for s in rx_packets rx_invalid hs_ratelimited hs_unknown_target hs_unsolicited rx_no_session hs_initiations; do
	printf '%-18s %s\n' "$s" "$(relay_stat $s)"
done
# Each forged datagram is dropped and counted, or is an initiation that passed the
# rate limit and went to its (bound) target, which cannot decrypt it and drops it.
accounted=$(($(drops) - drops0 + $(relay_stat hs_initiations) - fwd0))
((accounted >= sent)) || fail "relay accounted for $accounted of $sent forged datagrams"
(($(relay_stat rx_packets) - rx0 >= sent)) || fail "relay received fewer datagrams than were sent"
# One source endpoint: its 800 initiations over ~4 s are held to 20 a second.
# Responses and cookie replies are matched before any limit (a neighbour's junk
# must not spend a peer's tokens): the 1,200 forged ones answer nothing the relay
# forwarded to the attacker, so each is dropped as unsolicited.
assert_stat_ge hs_ratelimited 600
assert_stat_ge hs_unsolicited 1200
assert_stat_ge rx_no_session 1900
assert_stat_ge rx_invalid 1000

step "the session still works, and no binding moved"
ping_ok laptop "${WG_ADDR[home]}" 5
after=$(bindings)
echo "$after"
assert_eq "$before" "$after" "bindings after the attack"
assert_no_match "$ATTACKER4" "$(relay_sessions)" "session table"

step "100,000 random datagrams"
forge garbage "$VPS4" "$RELAY_PORT" 50000 20000
forge data "$VPS4" "$RELAY_PORT" 50000 20000
ping_ok laptop "${WG_ADDR[home]}" 3
assert_eq "$before" "$(bindings)" "bindings after the flood"
show_relay

step "one attacker tries to play both ends of a handshake through discovery"
discovery0=$(relay_stat discovery_fwd)
assert_fails forge stage "$VPS4" "$RELAY_PORT" "${WG_PUB[ghost]}" "${WG_PUB[home]}" "${WG_PUB[laptop]}"
assert_eq "$discovery0" "$(relay_stat discovery_fwd)" "discovery copies for a target with a live binding"
assert_eq "$before" "$(bindings)" "bindings after the staging attempt"
# The peers' sessions do not care; new handshakes must still find the real peers.
ping_ok laptop "${WG_ADDR[home]}" 3
n vps relayctl flush relay0 sessions
start=$SECONDS
wait_for 120 n laptop ping -c 1 -W 1 "${WG_ADDR[home]}"
log "a fresh handshake got through $((SECONDS - start)) s after the staged one"
wait_for 30 eval '[[ $(bindings) == "$before" ]] || ! bindings | grep -q "$ATTACKER4"'
bindings
