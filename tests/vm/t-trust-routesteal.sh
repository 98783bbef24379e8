#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A spoofer steals a talking pair's route (trust model v2, DESIGN.md 2.3, attacker
# (b); pass 6, G6, as worked through again in docs/trust/STATUS.md "G6 revisited").
# The laptop (V) and home (Q) talk through the relay. An attacker at 203.0.113.66
# that can forge source addresses but receives only at its own (wgr-forge steal)
# stages a session between their endpoints: an initiation to home "from" the
# laptop, a response naming the laptop "from" home, the first data "from" the
# laptop. The relay confirms it, and it becomes the pair route for the laptop's
# next initiations to home. One data message from the attacker's own socket then
# roams home's half of it there. From then on the attacker keeps that session
# alive, and answers whatever reaches it with a response naming the laptop (and
# the first data "from" the laptop), which confirms a new staged session beside
# each real one.
#
# The laptop then handshakes anew (its peer home removed and added back, as a
# restart would), and pings home. Before the fix every initiation of the laptop's
# followed the stolen route to the attacker, and none reached home: the laptop
# was cut off from home for as long as the attacker kept at it. Now the relay asks
# the laptop for a cookie on its first try, and the retry (5 s later, with mac2)
# follows the route only to home's live binding; the route leads elsewhere, so
# the retry goes to home's binding as if there were no route: a stolen route
# costs one retry, not the session.
#
# What must hold: the laptop's pings are answered within 15 s of the new
# handshake's start (WireGuard retries after 5 s); the first try was pair-routed
# and the retry carried mac2; neither binding moved.
#
# Variant "back" (a review of 89ac1cf, F1): the spoofer roams home's half of its
# session to the laptop's own endpoint instead, by data spoofed "from" the laptop.
# Before, the route then led each of the laptop's initiations back to the laptop:
# each was dropped as a loop before the relay asked for a cookie, so no retry
# ever carried mac2 and the laptop was cut off again. Now no half roams onto its
# partner's endpoint, and a route back to the source is no route.
#
# Variant "twice" (F2): the spoofer answers each initiation that reaches it twice,
# with discovery-fanout 0 once the pair talks. The relay took at most two sessions per endpoint an
# initiation went to, counted by the fanout alone (two for fanout 0): the
# spoofer's two answers to the laptop's retry used both, and home's real answer
# to it was refused (sessions_full). Now the count is two per endpoint the
# initiation really went to (the route's, and home's binding).
#
# Variant "forge" (a review of 8ae0eb7, M1): the spoofer also answers every
# initiation that reaches it with two responses naming the laptop, spoofed
# "from" home's endpoint, while home is 50 ms further away than the spoofer. The
# laptop's retry went along the route as well as to
# home's binding, so the spoofer learnt its sender index, and its forged answers
# used up what home's endpoint may answer: home's real answer was refused, every
# retry. Now a retry follows a route only to the target's live binding; else it
# goes as if there were no route, to the binding alone, and the spoofer never
# sees it.
#
# Variant "prime" (a review of eb9c2b4, R3-F1): forge, and the spoofer's own
# socket has proved its address to the relay (an initiation for the laptop with
# the relay's mac2 every 10 s): a discovery candidate. Until the laptop's first
# try reaches it along the route, it sends an initiation for home "from" the
# laptop every 5 s. Those counted as the laptop's forwarded tries, so its retry
# was "failing" and went to the candidates as well as to home's binding: the
# spoofer learnt its sender index after all and spent home's answers, every
# retry. Now only tries with mac2, which a spoofer cannot make, count.
#
# Variant "loaded" (helper-91, M-A): roam, with home under WireGuard's own load
# (a flood from its LAN), so that it takes an initiation only with its cookie,
# which the relay puts on what it vouches for, and sockets of an attacker's in
# $NETS /24s elsewhere, each with the relay's mac2, initiating to home ten
# times a second: they spend the destination's four stamps a second for proven
# sources. The laptop's retry had only those left: its route, stolen and then
# ended by the roam, named no peer whose retries' budgets it could spend, and
# its retries went without mac2 for as long as the attack lasted. Now a retry
# with the relay's mac2 from where a peer is bound, with a live session with
# home at home's endpoint, spends that peer's own, whatever became of the
# route. The laptop runs wireguard-go: a kernel WireGuard counts itself under
# load for a second after any WireGuard in the same kernel was
# (t-trust-cookieroute).
#
# variants: roam back twice forge prime loaded
# timeout: 300
# kernels: one

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cgnat.sh"
. "$(dirname "$0")/../lib/relay.sh"

variant=${1:-roam}
ATTACKER4=203.0.113.66
# loaded: the attacker's networks. Each spends a proven source's stamp a second
# at home (its network's share), and home has four a second for all of them:
# with N networks a stamp waits for a retry about 4/N of the time.
NETS=40
mode=steal answers=1
case $variant in
back) mode=stealback ;;
forge) mode=stealforge ;;
prime) mode=stealprime ;;
twice) answers=2 ;;
esac
cgnat_setup
ns_add attacker
public attacker eth0 "$ATTACKER4"
[[ $variant != loaded ]] || WG_IMPL[laptop]=go
wg_keys home laptop
relay_up home laptop

step "the laptop and home talk through the relay"
wg_peers "$RELAY_EP" "$RELAY_EP"
pair_works laptop home
wait_for 30 eval '[[ $(binding_ep home) == *:* && $(binding_ep laptop) == *:* ]]'
declare -A before=()
for p in laptop home; do
	before[$p]=$(binding_ep "$p")
	log "$p: ${before[$p]} ($(binding_line "$p"))"
done

# Discovery finds a fresh pair; from here on, the relay sends no copies.
[[ $variant != twice ]] || n vps relayctl set relay0 discovery-fanout 0
# Home is far away (50 ms more each way through its CGNAT), the spoofer near the
# relay: its forged answers come first, as a real attacker's would.
[[ $variant != forge && $variant != prime ]] || n cgnat tc qdisc add dev wan0 root netem delay 50ms
if [[ $variant == loaded ]]; then
	step "home is flooded from its own LAN, and proven sources in $NETS networks initiate to it"
	load_wg home "$HOME4" "$(n home wg show "${WG_IF[home]}" listen-port)" home
	nets=()
	for ((i = 1; i <= NETS; i++)); do nets+=("198.18.$i"); done
	elsewhere far 1 "${nets[@]}"
	bg far wgr-forge mac2for "$VPS4" "$RELAY_PORT" 150 $((NETS * 10)) "$NETS" "${WG_PUB[home]}" \
		198.18.1.1 "$NETS" >"$TMP/drain"
	drain=$BG_PID
	wait_for 60 grep -q "$NETS of $NETS ports have" "$TMP/drain"
	withheld=$(relay_stat hs_cookie_withheld)
	sleep 2
	# The attack is on: the relay has home's cookie, and withholds it from most.
	log "home's cookie withheld $(($(relay_stat hs_cookie_withheld) - withheld)) times in 2 s"
	(($(relay_stat hs_cookie_withheld) - withheld >= 20)) ||
		fail "the relay withheld home's cookie from fewer than 20 initiations in 2 s"
fi
step "a spoofer stages a session between them and roams home's half of it ($variant)"
loops=$(relay_stat loop_drops) roams=$(relay_stat roams)
bg attacker wgr-forge "$mode" "$VPS4" "$RELAY_PORT" "${before[laptop]%:*}" "${before[laptop]##*:}" \
	"${before[home]%:*}" "${before[home]##*:}" "${WG_PUB[home]}" "${WG_PUB[laptop]}" 70 \
	"$answers" >"$TMP/steal" 2>&1
steal=$BG_PID
# The attacker's session is confirmed and roamed within a second; the laptop's
# own session with home goes on as before (data follows receiver indices).
if [[ $variant == back ]]; then
	sleep 3
	log "roams +$(($(relay_stat roams) - roams)); sessions at the laptop's endpoint:" \
		"$(relay_sessions | grep -c "${before[laptop]}")"
else
	wait_for 20 eval "relay_sessions | grep -q '$ATTACKER4'"
	relay_sessions | grep "$ATTACKER4" | head -3
fi
log "counters: $(trust_counters)"

step "the laptop handshakes anew with home, and pings it"
mac2=$(relay_stat hs_mac2) routed=$(relay_stat hs_pair_routed) cookies=$(relay_stat cookies_sent)
wg_readd laptop home
since=$(now)
ping_dated laptop "${WG_ADDR[home]}" "$TMP/ping"
ping=$BG_PID
for ((i = 0; i < 30; i++)); do
	replied_after "$since" "$TMP/ping" && break
	sleep 1
done
answered=$(first_reply "$since" "$TMP/ping")
kill "$ping" 2>/dev/null || true
log "counters: $(trust_counters)"
log "loop_drops +$(($(relay_stat loop_drops) - loops)), sessions_full $(relay_stat sessions_full)"
log "cookies_sent +$(($(relay_stat cookies_sent) - cookies))," \
	"hs_pair_routed +$(($(relay_stat hs_pair_routed) - routed))," \
	"hs_mac2 +$(($(relay_stat hs_mac2) - mac2))"
wait "$steal" || true
cat "$TMP/steal"
[[ $variant != loaded ]] || kill "$drain" 2>/dev/null || true

step "what must hold"
[[ -n $answered ]] || fail "the laptop's pings to home went unanswered for 30 s: the route was stolen"
name=routesteal_first_reply
[[ $variant == roam ]] || name=routesteal_${variant}_first_reply
measure "$name" "$(seconds "$since" "$answered")"
assert_le "$(seconds "$since" "$answered")" 15 "the laptop's first answered ping"
grep -q "initiations reached" "$TMP/steal" || fail "the spoofer did not run: $(cat "$TMP/steal")"
if [[ $variant != back ]]; then
	(($(relay_stat hs_pair_routed) > routed)) || fail "the laptop's initiations were not pair-routed"
	(($(relay_stat hs_mac2) > mac2)) || fail "no retry of the laptop's carried the relay's mac2"
	grep -q "^steal: 0 initiations" "$TMP/steal" &&
		fail "no initiation followed the stolen route: the attack did not take"
fi
if [[ $variant == prime ]]; then
	grep -Eq "^prime: [1-9][0-9]* initiations spoofed from V, [1-9]" "$TMP/steal" ||
		fail "the spoofer did not prime, or never proved its own address"
fi
for p in laptop home; do
	assert_eq "${before[$p]}" "$(binding_ep "$p")" "$p's binding at the end"
done
log "PASS"
