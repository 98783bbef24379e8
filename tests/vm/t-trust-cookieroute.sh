#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A loaded target's cookie at the end of a pair route (helper-81, K2; helper-82,
# P2; trust model v2: target cookies end at the relay). Home, behind its CGNAT,
# is kept under WireGuard's own load by a flood from its own LAN, so that it
# takes an initiation only with its own mac2, which the relay makes with the
# cookie home gave it (the answer to the relay's probe: t-trust-cookieslot).
#
# The attacker stages three sessions of home's, each at a socket of its own
# (three wgr-forge cookieslots: B1, B2, B3), and has the relay probe each once a
# second (an initiation along the staged route to B, answered with a cookie reply
# in home's name). Then home's CGNAT forgets it: home's next datagram leaves
# from a new public port and moves home's half of its live session with the
# laptop there (a roam), while home's binding stays where it was until it goes
# stale, 60 s later. The laptop's first try of each new handshake follows its
# session's pair route to where home is now; its retries, which carry the
# relay's mac2, go to the binding only, a dead endpoint: so the first try must
# carry home's mac2, and only the cookie the relay keeps for home's new
# endpoint gives it that.
#
# A target's cookies sat in three slots, one per endpoint, ranked: its binding
# first, then the endpoint of any confirmed session of its, then the rest. The
# staged sessions ranked as sessions, as high as home's real one at its new
# endpoint, and their probes took turns pushing its slot out: the laptop's first
# tries left with no mac2, and it reached home again only when home's binding
# followed it. Now the cookie for the end of a pair route is that session's own,
# handed on to the next session of the route that ends there, and nothing
# staged elsewhere touches it. The laptop must complete three handshakes in a
# row, each within four of WireGuard's tries, while home is away from its binding.
#
# Two things of the lab's own are kept out of the way: the remap and the rounds
# come right after home's WireGuard renewed its cookie secret (every two
# minutes; a cookie made under the old one no longer gets a first try through),
# and the laptop runs wireguard-go (see WG_IMPL below).
#
# cpu: heavy
# timeout: 480
# kernels: one

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cgnat.sh"
. "$(dirname "$0")/../lib/relay.sh"

ATTACKER4=203.0.113.66
ROUNDS=3 STAGINGS=3
cgnat_setup
# Home's CGNAT maps ports at random: when it forgets home, home moves.
n cgnat nft flush chain ip nat postrouting
n cgnat nft add rule ip nat postrouting oifname wan0 ip saddr 100.64.0.0/10 masquerade random
ns_add attacker
public attacker eth0 "$ATTACKER4"
# The laptop in user space: a kernel WireGuard counts itself under load for a
# second after any WireGuard in the same kernel was (receive.c keeps the time in
# a static), so a laptop in this lab's one kernel beside a flooded home would
# ask for mac2 on home's responses, and its first tries would fail for that.
WG_IMPL[laptop]=go
wg_keys home laptop
relay_up home laptop
wg_peers "$RELAY_EP" "$RELAY_EP"
HOME_PORT=$(n home wg show "${WG_IF[home]}" listen-port)

step "the attacker's cookie replies are sealed as WireGuard seals them"
n attacker wgr-forge selftest

step "the laptop and home talk, the laptop's session first"
wait_for 40 n laptop ping -c 1 -W 1 "${WG_ADDR[home]}"
# The laptop initiates a session of its own, whose pair route the rounds below
# start from (both sides' keepalives may have made the first one home's).
wg_readd laptop home
tries 20 n laptop ping -c 1 -W 1 "${WG_ADDR[home]}"
# Home talks every 2 s until it moves, so that its binding stays live however
# slowly the flood below lets the guest send its keepalives: a binding gone
# stale is one the stagings take.
bg home ping -q -i 2 "${WG_ADDR[laptop]}"
pinger=$BG_PID

step "home's WireGuard is flooded from its own LAN, so that it is under load"
load_wg home "$HOME4" "$HOME_PORT" home
log "home is under load"

step "the attacker stages $STAGINGS sessions of home's, and has the relay probe each"
slot_pids=()
for ((i = 1; i <= STAGINGS; i++)); do
	out=$TMP/cookieslot.$i.out
	bg attacker wgr-forge cookieslot "$VPS4" "$RELAY_PORT" 400 "${WG_PUB[laptop]}" \
		"${WG_PUB[home]}" "${WG_PUB[laptop]}" > "$out"
	slot_pids+=("$BG_PID")
	# Tries are failing from their third, 10 s on, and a staging may take a
	# few; one at a time, since they share the attacker's discovery budgets.
	wait_for 90 grep -q "forging from now on" "$out"
done
sleep 3
probes=$(relay_stat0 hs_cookie_probes)
sleep 3
log "the relay probed $(($(relay_stat0 hs_cookie_probes) - probes)) times in 3 s"

# The laptop starts afresh: its new session is the pair route to home.
wg_readd laptop home
tries 20 n laptop ping -c 1 -W 1 "${WG_ADDR[home]}"
home_at() { n vps relayctl show relay0 | awk -v k="${WG_PUB[home]}" '
	$1 == "peer:" { me = ($2 == k) } me && $1 == "binding:" { print $2; exit }'; }
binding=$(home_at)
log "home's binding: $binding"
[[ $binding == "$ATTACKER4":* ]] && fail "the stagings took home's binding: $binding"

step "home's WireGuard renews its cookie secret (every two minutes): the rest follows at once"
# A loaded WireGuard answers mac2 made under its previous secret with a cookie
# reply, and here only a round's first try can get through: the cookie the
# relay learns below must outlive the rounds. The cookie for one source port
# changes with the secret (wgr-forge cookieprobe).
home_cookie() { n home wgr-forge cookieprobe "$HOME4" "$HOME_PORT" "${WG_PUB[home]}" 40999 |
	sed -n 's/.*; cookie \([0-9a-f]*\)$/\1/p'; }
renewed() { local c; c=$(home_cookie); [[ -n $c && $c != "$first" ]]; }
wait_for 10 eval 'first=$(home_cookie); [[ -n $first ]]'
wait_for 130 renewed

step "home's CGNAT forgets it: home talks from a new port"
# roamed: home pinged the laptop, and the relay moved home in their session.
roamed() { n home ping -c 1 -W 1 "${WG_ADDR[laptop]}" && (($(relay_stat0 roams) > roams)); }
# Home's last words from its binding: it stays live for 60 s from here. No
# more pings of home's: unanswered, they would make it start a handshake of
# its own, which the rounds below must not lean on.
kill "$pinger"
n home ping -c 1 -W 2 "${WG_ADDR[laptop]}"
roams=$(relay_stat0 roams)
n cgnat conntrack -F
wait_for 20 roamed
moved_at=$SECONDS
relay_sessions
assert_eq "$binding" "$(home_at)" "home's binding, right after it moved"

step "the laptop starts, so that the relay learns home's cookie where it is now"
# A try goes with no mac2 (the relay has no cookie from there yet): home, under
# load, answers with a cookie reply, and the relay probes it and keeps the
# answer. The laptop's retries carry the relay's mac2 and go to the binding:
# they fail. Home's load flickers in a busy guest; a try that meets home
# between two floods is answered with a handshake instead: then again.
probes=$(relay_stat0 hs_cookie_probes) kept=$(relay_stat0 hs_cookies_kept)
# learnt: the laptop's try met home under load (no handshake came of it), and
# the relay kept home's answer to its probe (a build from before
# hs_cookies_kept, such as 620bdd0 for the attack above, is taken at its word).
learnt() {
	wg_readd laptop home
	n laptop ping -c 1 -W 1 "${WG_ADDR[home]}" && return 1
	sleep 1
	[[ $(n laptop wg show "${WG_IF[laptop]}" latest-handshakes |
		awk -v k="${WG_PUB[home]}" '$1 == k { print $2 }') == 0 ]] || return 1
	! n vps test -e /sys/class/net/relay0/wgrelay/hs_cookies_kept ||
		(($(relay_stat0 hs_cookies_kept) > kept))
}
tries 10 learnt
log "the relay probed $(($(relay_stat0 hs_cookie_probes) - probes)) times meanwhile"

step "the laptop starts again $ROUNDS times, along its live session"
# Each initiation that reaches home with mac2 in it: the relay's stamp, with the
# cookie it keeps for where home is (udp[140..155] is mac2). A round's ping can
# get through without it (home's load flickers in a busy guest, and discovery
# finds home on the third retry): the stamp is what the relay did.
bg home tcpdump -i eth0 -n -l -tt --immediate-mode -Z root \
	"udp and src host $VPS4 and udp[8] == 1 and $MAC2_SET" \
	>"$TMP/stamped" 2>"$TMP/stamped.err"
wait_for 10 grep -q "listening on" "$TMP/stamped.err"
# mac2_reached_home: one more such initiation since the round started.
mac2_reached_home() { (($(wc -l <"$TMP/stamped") > stamped)); }
counts() {
	relay_counts hs_initiations hs_responses hs_pair_routed hs_cookies hs_cookie_withheld \
		hs_cookie_probes hs_cookies_kept
}
for ((round = 1; round <= ROUNDS; round++)); do
	# Counted before the laptop starts: its first try leaves at once.
	stamped=$(wc -l <"$TMP/stamped") before=$(counts)
	wg_readd laptop home
	start=$SECONDS
	# Twenty pings of a second each: WireGuard's first try and three retries,
	# five seconds apart. Only the first should get through (discovery can
	# carry the third): the stamp below says whether the relay made it do so.
	for ((i = 0; i < 20; i++)); do
		n laptop ping -c 1 -W 1 "${WG_ADDR[home]}" >/dev/null && break
	done
	if ((i == 20)); then
		log "  counters then:   $(counts)"
		relay_sessions
		n vps relayctl show relay0
		fail "round $round: the laptop did not reach home in 20 pings"
	fi
	log "round $round: the laptop reached home $((SECONDS - start)) s after it started"
	wait_for 5 mac2_reached_home
	log "  counters before: $before"
	log "  counters after:  $(counts)"
done
# All that while, home was away from its binding: it follows home only once
# it is stale, 60 s after home's last datagram from there.
((SECONDS - moved_at < 60)) || fail "the rounds ended $((SECONDS - moved_at)) s after home moved"
assert_eq "$binding" "$(home_at)" "home's binding, after the rounds"
# The load lasted: otherwise home took the laptop's handshakes without mac2.
tries 5 n home wgr-forge cookieprobe "$HOME4" "$HOME_PORT" "${WG_PUB[home]}"

step "the attacker's stagings forged all along"
for ((i = 1; i <= STAGINGS; i++)); do
	out=$TMP/cookieslot.$i.out
	kill -TERM "${slot_pids[i - 1]}"
	wait "${slot_pids[i - 1]}" || fail "wgr-forge cookieslot $i forged nothing: $(cat "$out")"
	cat "$out"
	forged=$(sed -n 's/.* \([0-9]*\) cookie replies forged.*/\1/p' "$out")
	((forged >= 10)) || fail "staging $i forged only ${forged:-no} cookie replies"
done
n vps relayctl show relay0 stats |
	grep -E 'hs_cookies|hs_cookie_withheld|hs_cookie_probes|hs_unsolicited|hs_pair_routed|roams'
