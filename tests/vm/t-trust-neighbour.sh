#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A shared address is not a shared fate (trust model v2, DESIGN.md 2.3, promise 5;
# attacker (d)). A host "neighbour" behind the same CGNAT as home, so behind the
# same public address 203.0.113.2, sends junk to the relay all the time, an even
# stream of PPS datagrams a second (default 180) from six source ports (wgr-forge
# mix): a quarter initiations with valid mac1 for the laptop (45 a second, under
# the per-address ceiling of 160, 15 a second from each of three ports), the rest
# responses with valid mac1 for the laptop and cookie replies, random indices.
# Meanwhile home and the laptop re-handshake three times (the relay forgets their
# sessions and one side's WireGuard forgets the other, so that it initiates at
# once): laptop, home, laptop. (At 60 a second in six separate streams, trust
# model v1 let each of these handshakes through: the streams came in bursts.)
#
# What must hold: each time the handshake completes within one WireGuard retry:
# the side that starts it sends two initiations at most (an nftables counter on
# its way out counts them; a guest the junk keeps busy may take a while).
# Responses and cookie replies are matched to a forwarded handshake before any
# limit, and initiations are limited per IP:port, so home's own handshakes are
# never queued behind the neighbour's junk. Trust model v1 holds every handshake
# message from one address to 20 a second, and the neighbour spends that budget.
#
# Then the neighbour spends its address's cookie replies (helper-89): sixteen
# more sockets send initiations for the laptop, ten a second each (what one
# IP:port may be sent), none with the relay's mac2, so that the relay would
# answer each with a cookie reply: 160 a second, the address's ceiling, past
# the hundred a second one address may receive. Home, at that address
# too, forgets the laptop and initiates afresh $COOKIE_ROUNDS times: each first
# try, with no cookie yet, must get the relay's cookie reply (the retry's mac2
# is how a peer proves it receives where it talks: t-trust-stampdrain). Home
# talks from its binding, so the address's budget is not its own to share;
# before, about one first try in five got none (two of ten in one run), and
# home's retry five seconds later went without the relay's mac2.
#
# Usage: t-trust-neighbour.sh [PPS]
#
# timeout: 360
# kernels: one

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cgnat.sh"
. "$(dirname "$0")/../lib/relay.sh"

JUNK_SECS=200 LIMIT=30 PPS=${1:-180} COOKIE_ROUNDS=20 FLOODERS=16
cgnat_setup
behind_nat cgnat neighbour 100.65.0
wg_keys home laptop
relay_up home laptop
wg_peers "$RELAY_EP" "$RELAY_EP"
pair_works laptop home
log "home at $(binding_ep home), laptop at $(binding_ep laptop)"

step "the neighbour behind the same CGNAT sends $PPS junk datagrams a second"
junk0=$(($(relay_stat hs_unsolicited) + $(relay_stat hs_ratelimited)))
bg neighbour wgr-forge mix "$VPS4" "$RELAY_PORT" "$JUNK_SECS" "$PPS" "${WG_PUB[laptop]}" 6
junk_pid=$BG_PID
sleep 3
# Every junk datagram leaves from the CGNAT's address, as home's do.
n vps relayctl show relay0 stats | grep -E 'rx_packets|hs_ratelimited|hs_unsolicited' || true

# rehandshake NS PEER: NS's WireGuard forgets PEER and learns it again, so that
# it initiates at once; the relay forgets all sessions first.
rehandshake() {
	n vps relayctl flush relay0 sessions
	n "$1" wg set "${WG_IF[$1]}" peer "${WG_PUB[$2]}" remove
	wg_mesh_peer "$1" "$2" "$RELAY_EP"
}

blocked=()
for side in laptop home laptop; do
	other=home
	[[ $side == home ]] && other=laptop
	step "$side initiates a new handshake with $other, through the junk"
	rl0=$(relay_stat hs_ratelimited)
	count_initiations "$side"
	rehandshake "$side" "$other"
	read -r tries t < <(handshake_tries "$side" "$other" "$LIMIT")
	said=$(handshake_said "$tries" "$t" "$LIMIT")
	log "$side -> $other: $said; hs_ratelimited +$(($(relay_stat hs_ratelimited) - rl0)); $(trust_counters)"
	handshake_ok "$tries" "$t" 2 || blocked+=("$side's handshake with $other: $said")
	# Whatever happened, give the pair a while to recover before the next round.
	for ((i = 0; i < 45; i++)); do
		[[ $t != - ]] && break
		n "$side" ping -c 1 -W 1 "${WG_ADDR[$other]}" >/dev/null 2>&1 && t=late
	done
done
show_relay

step "what must hold"
junk=$(($(relay_stat hs_unsolicited) + $(relay_stat hs_ratelimited) - junk0))
log "junk refused or unmatched: $junk"
((${#blocked[@]} == 0)) ||
	fail "${blocked[0]}: more than one retry (of 3 handshakes, ${#blocked[@]} were held up by the neighbour's junk)"
# The junk was real (its responses and cookie replies, three in four of it, are
# refused or match nothing: more than a second's worth, where it ran three before
# the first handshake), and still going after the last handshake.
kill -0 "$junk_pid" || fail "the neighbour's junk stopped before the last handshake"
((junk >= PPS)) || fail "only $junk of the neighbour's junk reached the relay"

step "the neighbour spends its address's cookie replies; home still gets one for each first try"
# Home's cookie replies (a 64-byte message), and the neighbour's initiations.
n home nft -f - <<-EOT
	table inet cookies {
		chain in {
			type filter hook input priority 0;
			udp sport $RELAY_PORT udp length 72 counter
		}
	}
EOT
count_initiations neighbour
sent0=$(relay_stat cookies_sent) t0=$SECONDS
for ((i = 0; i < FLOODERS; i++)); do
	bg neighbour wgr-forge initiation "$VPS4" "$RELAY_PORT" 1000 10 "${WG_PUB[laptop]}"
done
sleep 2
answered=0
for ((round = 1; round <= COOKIE_ROUNDS; round++)); do
	c0=$(nft_packets home inet cookies in)
	rehandshake home laptop
	got=0
	for ((i = 0; i < 10; i++)); do
		(($(nft_packets home inet cookies in) > c0)) && got=1 && break
		sleep 0.3
	done
	answered=$((answered + got))
	log "round $round: home's first try $( ((got)) && echo got || echo did not get) the relay's cookie reply"
	wait_for 40 n home ping -c 1 -W 1 "${WG_ADDR[laptop]}"
done
secs=$((SECONDS - t0)) sent=$(($(relay_stat cookies_sent) - sent0))
flood=$(initiations neighbour)
log "$answered of $COOKIE_ROUNDS first tries answered; in $secs s the neighbour sent $flood initiations, the relay $sent cookie replies"
# The attack was on: the neighbour asked for more replies than its address may
# receive (a hundred a second, twenty at once), and the relay kept to that.
((flood >= 120 * secs)) || fail "the neighbour sent only $flood initiations in $secs s"
((sent <= 100 * secs + 20 + 2 * COOKIE_ROUNDS)) ||
	fail "the relay sent $sent cookie replies in $secs s: more than the address's budget"
((answered == COOKIE_ROUNDS)) ||
	fail "home got the relay's cookie reply for $answered of its $COOKIE_ROUNDS first tries: the neighbour spent its budget"
