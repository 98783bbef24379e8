#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A loaded target's cookie slot (helper-79, H2; trust model v2: target cookies
# end at the relay). A server with a public address, provisioned with a static
# endpoint, is kept under WireGuard's own load by a direct flood, so that it
# takes an initiation only with its own mac2. The relay keeps the cookie the
# server gives it and puts mac2 made with it on what it vouches for: here the
# laptop's handshakes along its live session with the server.
#
# The attacker stages a session of the server's at a socket of its own, B (as
# hold does: B a discovery candidate, A's failing tries copied to it, B answers
# them in the laptop's name, A confirms). Then A initiates to the server once a
# second without mac2, which the session's pair route takes to B alone, and B
# answers each with cookie replies sealed in the server's name (the key derives
# from the server's public key; tests/tools/wgr-forge.c seals with
# XChaCha20-Poly1305 as WireGuard does, and checks it against vectors first).
# Such a reply opens like the server's own. The relay had one slot per target:
# the forged replies held it at B, the server never answered A's initiations
# (it never saw them) to take it back, and the laptop's handshakes went to the
# server with no mac2, to a server that took none without. The relay now keeps
# a slot per endpoint a target's replies come from, and one from a session's
# endpoint (B's) never takes the slot of the server's binding; and it keeps
# no reply's cookie at all, only the answers to probes of its own (below). The
# laptop must complete three handshakes in a row, each within four of
# WireGuard's tries, while the flood and the forgeries go on.
#
# Variant spoof (helper-81, K1): the attacker spoofs its forgeries "from" the
# server's own endpoint instead. Once a second it sends the server an
# initiation through the relay, and at once two cookie replies to it "from"
# the server, which the relay takes before the server's own: with a slot per
# endpoint, the wrong cookie went into the server's own slot (5cf390f). Now a
# reply that opens only makes the relay probe the endpoint it came from (an
# initiation of its own, which nobody off the path sees), and it keeps only
# the answer to the probe.
#
# Variant answer (helper-82, P1): staged, and once a second the attacker makes
# the relay probe the server's endpoint (a spoofed reply, as in spoof), then
# answers the newest probe of the relay's that reached B with a reply spoofed
# "from" the server's endpoint, sealed with that probe's mac1, 30 ms later:
# after the server's own answer, while the relay still takes one there. A probe's answer was taken from any
# endpoint that waited for one, and the wrong cookie went into the server's
# slot; now only from the endpoint the probe went to.
#
# variants: staged spoof answer
# cpu: heavy
# kernels: one
# timeout: 300

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cgnat.sh"
. "$(dirname "$0")/../lib/relay.sh"

mode=${1:-staged}
SERVER4=203.0.113.10 ATTACKER4=203.0.113.66
ROUNDS=3
cgnat_setup
ns_add server attacker
public server eth0 "$SERVER4"
public attacker eth0 "$ATTACKER4"
WG_ADDR[server]=172.31.0.7
# The laptop runs the kernel's WireGuard, which counts itself under load for a
# second after any WireGuard in the same kernel was (t-trust-cookieroute):
# beside the flooded server it refuses responses without its own mac2. It ran
# wireguard-go from session 36 to 38: the server's responses reached it with
# the server's mac2, made with the cookie the laptop's reply gave the server,
# and a round needed the laptop's flickering load to let one through (once in
# a make check none did in 20 s, 6.1, spoof). Now the relay puts the laptop's
# own cookie on the responses it sends it, from a probe of its own (R1,
# 6faa72d): a round's retries prove the laptop and have their answers stamped.
public_server_up

step "the attacker's cookie replies are sealed as WireGuard seals them"
n attacker wgr-forge selftest

step "the laptop and the server talk"
wait_for 30 n laptop ping -c 1 -W 1 "${WG_ADDR[server]}"

step "the attacker floods the server's WireGuard directly, and forges cookie replies in its name"
load_wg attacker "$SERVER4" "$WG_PORT" server
log "the server is under load"
unsolicited=$(relay_stat0 hs_unsolicited) cookies=$(relay_stat0 hs_cookies)
SLOT_OUT=$TMP/cookieslot.out
if [[ $mode == spoof ]]; then
	bg attacker wgr-forge cookieplant "$VPS4" "$RELAY_PORT" 150 "${WG_PUB[server]}" \
		"$SERVER4" "$WG_PORT" > "$SLOT_OUT"
elif [[ $mode == answer ]]; then
	bg attacker wgr-forge cookieslot "$VPS4" "$RELAY_PORT" 150 "${WG_PUB[laptop]}" \
		"${WG_PUB[server]}" "${WG_PUB[laptop]}" "$SERVER4" "$WG_PORT" > "$SLOT_OUT"
else
	bg attacker wgr-forge cookieslot "$VPS4" "$RELAY_PORT" 150 "${WG_PUB[laptop]}" \
		"${WG_PUB[server]}" "${WG_PUB[laptop]}" > "$SLOT_OUT"
fi
slot_pid=$BG_PID
# cookieslot's tries are failing from their third, 10 s on; a staging may take a few.
[[ $mode == spoof ]] || wait_for 60 grep -q "forging from now on" "$SLOT_OUT"
forging_at=$SECONDS
sleep 5
log "cookie replies the relay opened so far: $(($(relay_stat0 hs_cookies) - cookies))"

step "the laptop starts again $ROUNDS times, along its live session"
counts() {
	relay_counts hs_initiations hs_responses hs_pair_routed hs_mac2 hs_cookies \
		hs_cookie_withheld
}
for ((round = 1; round <= ROUNDS; round++)); do
	n laptop wg set "${WG_IF[laptop]}" peer "${WG_PUB[server]}" remove
	wg_mesh_peer laptop server "$RELAY_EP"
	start=$SECONDS before=$(counts)
	# Twenty pings of a second each: WireGuard's first try and three retries,
	# five seconds apart. On 5ec4b9c the forged replies held the slot, and the
	# laptop's tries went to the loaded server with no mac2.
	tries 20 n laptop ping -c 1 -W 1 "${WG_ADDR[server]}"
	log "round $round: the laptop reached the server $((SECONDS - start)) s after it started"
	log "  counters before: $before"
	log "  counters after:  $(counts)"
done
# The relay asked the server for its cookie with probes of its own.
(($(relay_stat0 hs_cookie_probes) >= 1)) || fail "the relay sent the server no probe"
# The load lasted: otherwise the server took the laptop's handshakes without
# mac2, and the rounds prove nothing. (A probe's reply can be lost in the flood.)
tries 5 n attacker wgr-forge cookieprobe "$SERVER4" "$WG_PORT" "${WG_PUB[server]}"

step "the forgeries went on all along, and opened as the server's own"
# Since session 34 the relay probes a route's end that never answers once
# every 5 s (B's answers come "from" the server, so they answer nothing), and
# fast rounds left B only 20-25 s of them: 4 or 5 probes, at the edge of the
# five asked below. B forges for 30 s at least.
if [[ $mode == answer ]] && ((SECONDS - forging_at < 30)); then
	sleep $((30 - (SECONDS - forging_at)))
fi
kill -TERM "$slot_pid"
wait "$slot_pid" || fail "wgr-forge cookieslot forged nothing: $(cat "$SLOT_OUT")"
cat "$SLOT_OUT"
forged=$(sed -n 's/.* \([0-9]*\) cookie replies \(forged\|spoofed\).*/\1/p' "$SLOT_OUT" | head -n 1)
((forged >= 10)) || fail "only ${forged:-no} cookie replies were forged in the server's name"
# A reply that does not open counts as unsolicited: the forgeries must not.
# (The answers to B's probes spoofed "from" the server answer no probe of the
# server's: they count as unsolicited.)
bad=$(($(relay_stat0 hs_unsolicited) - unsolicited))
if [[ $mode == answer ]]; then
	probes=$(sed -n 's/.* \([0-9]*\) probes received at B.*/\1/p' "$SLOT_OUT")
	((probes >= 5)) || fail "only ${probes:-no} probes of the relay's reached B"
else
	((bad * 4 < forged)) || fail "$bad of $forged forged cookie replies did not open at the relay"
fi
opened=$(($(relay_stat0 hs_cookies) - cookies))
log "the relay opened $opened cookie replies for the server ($forged forged); $bad did not open"
((opened >= forged / 2)) || fail "the relay opened only $opened cookie replies, $forged forged"
n vps relayctl show relay0 stats |
	grep -E 'hs_cookies|hs_cookie_withheld|hs_cookie_probes|hs_unsolicited|hs_pair_routed|discovery_fwd'
