#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A spoofer spends a real peer's stamps at a loaded target (helper-84's review
# of session 34; pass 4's E2, trust model v2: budgets per destination). Home,
# behind its CGNAT, is kept under WireGuard's own load by a flood from its own
# LAN, so that it takes an initiation only with its own mac2, which the relay
# puts on what it vouches for: along a live session with home, one a second
# for the session's initiator (the laptop), whatever port it comes from.
#
# The attacker, at an address of its own, stages a session in the laptop's
# name that ends where home really is: socket A initiates to home, and a
# response naming the laptop is spoofed "from" home's public endpoint, where
# the relay sent the initiation (wgr-forge drain). The relay now has a pair
# route from A to home's real endpoint whose initiator is "the laptop". Then A
# initiates to home ten times a second along it, without mac2. The relay had
# vouched for each as the laptop's: its cookie for home's endpoint went on the
# first of each second, the laptop's second, and the laptop's own first try of
# a new handshake went without mac2 (home, under load, answered it with a
# cookie reply; the laptop's retry, five seconds later, got through). Now a
# route vouches for its initiator only for an initiation from where that peer
# talks: its live binding or static endpoint, or where it roamed out of it and
# talks now; A's initiations pay as any source's do (only with the relay's own
# mac2, within the budgets for such sources), and none of them reaches home
# stamped.
#
# Each of A's initiations is marked (its ephemeral key begins with de ad be
# ef), so a capture at home tells them from the laptop's. The laptop starts
# $ROUNDS new handshakes during the attack; the first try of each must reach
# home stamped: before WireGuard's first retry, five seconds on.
#
# Then the attacker stages $ROUTES such routes at once, from as many sockets
# (helper-83, M2). Home answers each route's initiations with cookie replies,
# and the relay probes the end of each route for its own cookie, once a second
# a route: its probes toward home grew with the routes staged to it (about
# $ROUTES a second here). Now the routes whose initiators do not talk from
# their starts share home's four a second; a real peer's route has its own.
# The relay's probes toward home in $PROBE_SECONDS s must stay within that
# (and one a second for home's binding's slot), and the laptop's first try
# must still reach home stamped.
#
# Then a blind attacker takes the bindings of $BLIND offline peers at forged
# sockets in the laptop's own network (wgr-forge ghostdrain: a staging in a
# ghost's name gives it a binding there, and needs nothing back), and
# initiates "from" each along its route five times a second (helper-86). Each
# was from where its ghost talks, so it had the ghost's second, within the
# laptop's network's four a second: the laptop's own first tries met that
# share spent. Now a route vouches for its initiator only where it proved it
# receives (the relay's mac2 from there), which a blind spoofer cannot; the
# laptop's first tries must reach home stamped, and none of the ghosts'.
#
# Last, another attacker, in a network of its own, takes the bindings of
# $GHOSTS offline peers at as many sockets (each one staging, a response spoofed
# from home's endpoint in a ghost's name: a ghost has no binding, and its
# confirmation gives it one there), proves at each that it receives there,
# and initiates along each route five times a second (helper-85, M1). Each
# initiation is from where its ghost talks now, so it has the ghost's second:
# $GHOSTS a second in all, more than home's fifteen, and the laptop's first
# try met them spent. Now the peers' seconds from one network share four a
# second to a destination, and the laptop's first tries must reach home
# stamped again.
#
# Then a neighbour behind the laptop's own NAT (its address, so its /24) does
# the same with $NGHOSTS ghosts at ports of its own (helper-87's sixth
# finding), with a forger elsewhere for the response spoofed from home's
# endpoint, which the neighbour's NAT would not let it send (a split attacker:
# WGR_FORGE_SPOOF_NETNS). Its ghosts are proven, and their initiations take
# the laptop's network's share as fast as it comes. Now the share's last token
# is anyone's and the rest go only to a peer with a claim at home (two of each
# kind at once, one per 119 s): the ghosts spend theirs in about a second
# each, and after that the laptop's first tries (two rounds: a claim each)
# must reach home stamped.
#
# While the neighbour's ghosts go on, a spoofer of the laptop's own endpoint
# initiates "from" it along the laptop's route (helper-85, L1), which spends
# the laptop's second and claims at home; the ghosts' initiations, with the
# relay's mac2 from where they proved, spend their network's share of a
# proven source's budget (helper-90's combined attack). The laptop's retries
# carry the relay's mac2 from where it proved, which the spoofer cannot have
# there; they met every budget they could take spent, and now have a second
# and claims of their own. Each round whose first try went unstamped and that
# had a retry, while the laptop has a claim of its retries' left, must have
# that retry reach home stamped.
#
# Then a proof is checked for its lifetime (helper-87): "gone", a peer that
# proved where it talked at the start and went quiet, has its stale binding
# confirmed again at the same endpoint by a blind spoofer's staging. A proof
# that outlived its binding vouched for the spoofer's initiations there; now a
# binding set again, even at the same endpoint, is a new one, not proven.
#
# The laptop runs wireguard-go: a kernel WireGuard counts itself under load for
# a second after any WireGuard in the same kernel was (t-trust-cookieroute).
#
# Last of all, a proof runs out (helper-88): "gone2" proves where it talks, and
# a blind spoofer that staged a session in its name there before it left
# keeps its binding live with data on that session, "from" there, after gone2
# has gone. The proof lasts ten minutes after gone2's last proof (the debug
# build's proof-life knob makes that ten seconds here); once it has run out,
# none of the spoofer's initiations from there is stamped.
#
# cpu: heavy
# timeout: 480
# kernels: one
# module: debug

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cgnat.sh"
. "$(dirname "$0")/../lib/relay.sh"

ATTACKER4=203.0.113.66
ROUNDS=3 ROUTES=20 PROBE_SECONDS=10 GHOSTS=24 BLIND=8 NGHOSTS=8
FAR=198.18.5
# The laptop's first try must reach home before its first retry (5 s).
FIRST_TRY=4.5
cgnat_setup
ns_add attacker
public attacker eth0 "$ATTACKER4"
elsewhere far 1 "$FAR"
behind_nat hotelnat neighbour 10.0.9
WG_IMPL[laptop]=go
ghosts=()
for ((i = 1; i <= GHOSTS; i++)); do ghosts+=("ghost$i"); done
for ((i = 1; i <= BLIND; i++)); do ghosts+=("blind$i"); done
for ((i = 1; i <= NGHOSTS; i++)); do ghosts+=("nghost$i"); done
ghosts+=(gone gone2)
wg_keys home laptop "${ghosts[@]}"
relay_up home laptop "${ghosts[@]}"
wg_peers "$RELAY_EP" "$RELAY_EP"
HOME_PORT=$(n home wg show "${WG_IF[home]}" listen-port)

step "the laptop and home talk, the laptop's session first"
wait_for 40 n laptop ping -c 1 -W 1 "${WG_ADDR[home]}"
wg_readd laptop home
tries 20 n laptop ping -c 1 -W 1 "${WG_ADDR[home]}"
# Home talks every 2 s, so that its binding stays live however slowly the
# flood lets the guest send its keepalives.
bg home ping -q -i 2 "${WG_ADDR[laptop]}"
home_ep=$(binding_ep home) laptop_ep=$(binding_ep laptop)
log "home at $home_ep, the laptop at $laptop_ep"
[[ $home_ep == "$CGNAT4":* ]] || fail "home's binding is not at its CGNAT's address: $home_ep"

# prove_and_go NAME: NAME, at a socket of the attacker's for now, is bound there
# by a staging and proves there with the relay's mac2 for 6 s, then goes quiet;
# its binding must be proven. wgr-forge's report goes to $TMP/NAME.drain.
prove_and_go() {
	n attacker wgr-forge drain "$VPS4" "$RELAY_PORT" "${home_ep%:*}" "${home_ep##*:}" \
		"${WG_PUB[home]}" "${WG_PUB[$1]}" 6 2 prove >"$TMP/$1.drain"
	cat "$TMP/$1.drain"
	log "$1's binding: $(binding_line "$1")"
	binding_proven "$1" || fail "$1's binding is not proven"
}

step "a peer proves where it talks from, and goes offline"
# "gone": its binding goes stale while the steps below run.
prove_and_go gone
gone_ep=$(binding_ep gone)

step "home's WireGuard is flooded from its own LAN, so that it is under load"
load_wg home "$HOME4" "$HOME_PORT" home

# What reaches home from the relay: initiations (udp[8] == 1), the attacker's
# (marked) and the rest (the laptop's, and the relay's own probes, which carry
# no mac2), those with mac2 (udp[140..155]) apart.
capture() {
	bg home tcpdump -i eth0 -n -l -tt --immediate-mode -Z root \
		"udp and src host $VPS4 and udp[8] == 1 and $2" >"$TMP/$1" 2>"$TMP/$1.err"
	wait_for 10 grep -q "listening on" "$TMP/$1.err"
}
capture laptop_stamped "udp[16:4] != 0xdeadbeef and $MAC2_SET"
capture marked "udp[16:4] == 0xdeadbeef"
capture marked_stamped "udp[16:4] == 0xdeadbeef and $MAC2_SET"

# new_handshake: the laptop starts a new handshake with home at $start (set
# here), and reaches home within 20 pings.
new_handshake() {
	local i
	start=$(date +%s.%N)
	wg_readd laptop home
	for ((i = 0; i < 20; i++)); do
		n laptop ping -c 1 -W 1 "${WG_ADDR[home]}" >/dev/null && break
	done
	((i < 20)) || fail "the laptop did not reach home in 20 pings"
	sleep 1
}
# seen FILE FROM TO: a line in $TMP/FILE timed FROM to TO seconds after $start.
seen() { awk -v s="$start" -v a="$2" -v b="$3" '$1 >= s + a && $1 <= s + b { n++ } END { exit !n }' "$TMP/$1"; }
# offsets FILE: when, in seconds after $start, $TMP/FILE's lines of the round came.
offsets() {
	awk -v s="$start" '$1 >= s && $1 <= s + 20 { printf "%s%.1f", n++ ? " " : "", $1 - s }' "$TMP/$1"
}
# first_try_stamped: the laptop starts a new handshake with home; true if an
# initiation of its reached home with mac2 within FIRST_TRY s (before its first
# retry).
first_try_stamped() {
	new_handshake
	seen laptop_stamped 0 "$FIRST_TRY"
}

step "the relay stamps the laptop's first try (it learns home's cookie first)"
# Until the relay has home's cookie from its endpoint, a first try goes without
# mac2; home answers it with a cookie reply, and the relay probes home for its own.
tries 10 first_try_stamped
log "$(relay_counts hs_cookie_withheld hs_cookie_probes hs_cookies_kept)"
# Its stamps went on a first try only once it had proved, with a retry that
# carried the relay's mac2, that it receives where it talks from.
log "the laptop's binding: $(binding_line laptop)"
binding_proven laptop || fail "the laptop's first try was stamped, but its binding is not proven"

step "the attacker stages a route in the laptop's name to home's endpoint, and initiates along it"
bg attacker wgr-forge drain "$VPS4" "$RELAY_PORT" "${home_ep%:*}" "${home_ep##*:}" \
	"${WG_PUB[home]}" "${WG_PUB[laptop]}" 120 10 >"$TMP/drain.out"
drain_pid=$BG_PID
# staged: the relay took the spoofed response (a pair in the laptop's name from
# the attacker's address), and the attacker's initiations reach home along it.
staged() {
	n vps cat /proc/net/wgrelay | grep -q "$ATTACKER4" &&
		(($(wc -l <"$TMP/marked") >= 20))
}
wait_for 30 staged
relay_sessions
withheld=$(relay_stat0 hs_cookie_withheld) routed=$(relay_stat hs_pair_routed)
sleep 3
routed=$(($(relay_stat hs_pair_routed) - routed))
log "the relay withheld home's cookie $(($(relay_stat0 hs_cookie_withheld) - withheld)) times" \
	"and pair-routed $routed initiations in 3 s"
# The attack is on: the attacker's initiations follow its staged route (home's
# endpoint is home's binding too, where they would go without one).
((routed >= 15)) || fail "only $routed initiations pair-routed in 3 s: the attacker's route is not there"

step "the laptop starts again $ROUNDS times while the attacker drains"
for ((round = 1; round <= ROUNDS; round++)); do
	before=$(relay_counts hs_initiations hs_cookie_withheld hs_cookies)
	first_try_stamped || fail "round $round: the laptop's first try reached home without mac2" \
		"(counters before: $before; after: $(relay_counts hs_initiations hs_cookie_withheld hs_cookies);" \
		"the attacker's initiations that reached home stamped: $(wc -l <"$TMP/marked_stamped"))"
	log "round $round: the laptop's first try reached home with mac2"
done

step "none of the attacker's initiations reached home stamped"
kill "$drain_pid"
wait "$drain_pid" || true
cat "$TMP/drain.out"
log "the attacker's initiations that reached home: $(wc -l <"$TMP/marked"), stamped: $(wc -l <"$TMP/marked_stamped")"
assert_eq 0 "$(wc -l <"$TMP/marked_stamped")" "the attacker's initiations that reached home with mac2"

step "the attacker stages $ROUTES routes to home's endpoint: the relay's probes for them stay within four a second"
route_pids=()
for ((i = 1; i <= ROUTES; i++)); do
	bg attacker wgr-forge drain "$VPS4" "$RELAY_PORT" "${home_ep%:*}" "${home_ep##*:}" \
		"${WG_PUB[home]}" "${WG_PUB[laptop]}" 120 2 >"$TMP/drain.$i.out"
	route_pids+=("$BG_PID")
done
# routes: the pairs the attacker's stagings made (its address in one half).
routes() { n vps cat /proc/net/wgrelay | grep -c "$ATTACKER4:" || true; }
all_staged() { (($(routes) >= ROUTES)); }
wait_for 40 all_staged
sleep 2
probes=$(relay_stat hs_cookie_probes)
sleep "$PROBE_SECONDS"
probes=$(($(relay_stat hs_cookie_probes) - probes))
# Four a second and a burst of four for the routes, one a second for the slot
# of home's binding (a try that did not follow a route: each new staging's
# first), and as many again for anything else.
bound=$((PROBE_SECONDS * 4 + 4 + 2 * PROBE_SECONDS))
log "the relay probed home $probes times in $PROBE_SECONDS s, with $(routes) staged routes (at most $bound)"
((probes <= bound)) || fail "the relay probed home $probes times in $PROBE_SECONDS s (at most $bound)"
first_try_stamped || fail "the laptop's first try reached home without mac2 while the routes were probed"
# The load lasted: otherwise home took the laptop's handshakes without mac2.
tries 5 n home wgr-forge cookieprobe "$HOME4" "$HOME_PORT" "${WG_PUB[home]}"
assert_eq "$home_ep" "$(binding_ep home)" "home's binding"
assert_eq "$laptop_ep" "$(binding_ep laptop)" "the laptop's binding"
kill "${route_pids[@]}"

step "a blind attacker takes $BLIND offline peers' bindings at forged sockets in the laptop's network, and initiates along each"
near=${laptop_ep%.*}
blind_pids=()
for ((i = 1; i <= BLIND; i++)); do
	bg attacker wgr-forge ghostdrain "$VPS4" "$RELAY_PORT" "$near.$((150 + i))" $((40000 + i)) \
		"${home_ep%:*}" "${home_ep##*:}" "${WG_PUB[home]}" "${WG_PUB[blind$i]}" 120 5 \
		>"$TMP/blind.$i.out"
	blind_pids+=("$BG_PID")
done
# blinded: blind ghosts bound at the forged sockets.
blinded() { n vps relayctl show relay0 | grep -cE "binding: ${near//./\\.}\\.15[0-9]:" || true; }
all_blinded() { (($(blinded) >= BLIND)); }
wait_for 60 all_blinded
withheld=$(relay_stat hs_cookie_withheld) routed=$(relay_stat hs_pair_routed)
marked=$(wc -l <"$TMP/marked")
sleep 3
routed=$(($(relay_stat hs_pair_routed) - routed)) marked=$(($(wc -l <"$TMP/marked") - marked))
log "$(blinded) blind ghosts bound in the laptop's network; home's cookie withheld" \
	"$(($(relay_stat hs_cookie_withheld) - withheld)) times in 3 s; $routed initiations" \
	"pair-routed, $marked of the attacker's reached home"
# The attack is on: the ghosts' initiations (forty a second) follow their routes to home.
((routed >= 30 && marked >= 30)) || fail "the blind ghosts' initiations do not reach home along their routes"
log "blind1's binding: $(binding_line blind1)"
for ((i = 1; i <= BLIND; i++)); do
	! binding_proven "blind$i" || fail "blind$i's binding is proven, though nothing reached its socket"
done
for ((round = 1; round <= ROUNDS; round++)); do
	first_try_stamped || fail "round $round: the laptop's first try reached home without mac2" \
		"while $BLIND blind ghosts in its network initiated along their routes" \
		"(the attacker's initiations that reached home stamped: $(wc -l <"$TMP/marked_stamped"))"
	log "round $round: the laptop's first try reached home with mac2"
done
kill "${blind_pids[@]}"
wait "${blind_pids[@]}" || true
cat "$TMP/blind.1.out"
assert_eq 0 "$(wc -l <"$TMP/marked_stamped")" "the attacker's initiations that reached home with mac2"

step "another attacker takes $GHOSTS offline peers' bindings in its own network, and initiates along each"
# Each proves that it receives at its socket (the relay's mac2): so each is
# where its ghost talks, and has the ghost's second.
ghost_pids=()
for ((i = 1; i <= GHOSTS; i++)); do
	bg far wgr-forge drain "$VPS4" "$RELAY_PORT" "${home_ep%:*}" "${home_ep##*:}" \
		"${WG_PUB[home]}" "${WG_PUB[ghost$i]}" 120 5 prove >"$TMP/ghost.$i.out"
	ghost_pids+=("$BG_PID")
done
# squatted: ghosts bound at the attacker's sockets.
squatted() { n vps relayctl show relay0 | grep -c "binding: ${FAR//./\\.}\\." || true; }
all_squatted() { (($(squatted) >= GHOSTS)); }
wait_for 60 all_squatted
withheld=$(relay_stat hs_cookie_withheld)
sleep 3
log "$(squatted) ghosts bound at the attacker's sockets; home's cookie withheld" \
	"$(($(relay_stat hs_cookie_withheld) - withheld)) times in 3 s"
log "ghost1's binding: $(binding_line ghost1)"
binding_proven ghost1 || fail "ghost1's binding is not proven: the share is not what this step tests"
for ((round = 1; round <= ROUNDS; round++)); do
	first_try_stamped || fail "round $round: the laptop's first try reached home without mac2" \
		"while $GHOSTS squatted ghosts initiated along their routes"
	log "round $round: the laptop's first try reached home with mac2"
done
kill "${ghost_pids[@]}"

step "a neighbour behind the laptop's NAT proves $NGHOSTS offline peers at its own ports, and initiates along each"
# The laptop's initiations with mac2 (the relay's): its retries. Each spends
# a claim of its retries' at home, two at once and one per 119 s, and the
# next step needs two.
bg laptop tcpdump -i eth0 -n -l -tt --immediate-mode -Z root \
	"udp and dst host $VPS4 and udp[8] == 1 and $MAC2_SET" >"$TMP/retries" 2>"$TMP/retries.err"
wait_for 10 grep -q "listening on" "$TMP/retries.err"
# stamps: what the peer paths of the relay's stamps came to (the debug build's count).
stamps() { debug_ctl vps relay0 stamps; }
# The response of each staging is spoofed from the attacker's namespace;
# socket A, where the ghost is bound and proves, is the neighbour's.
nghost_pids=()
for ((i = 1; i <= NGHOSTS; i++)); do
	bg neighbour env WGR_FORGE_SPOOF_NETNS=/run/netns/attacker wgr-forge drain "$VPS4" \
		"$RELAY_PORT" "${home_ep%:*}" "${home_ep##*:}" "${WG_PUB[home]}" "${WG_PUB[nghost$i]}" \
		300 5 prove >"$TMP/nghost.$i.out"
	nghost_pids+=("$BG_PID")
done
# neighboured: ghosts bound at the laptop's address (the laptop is there too).
neighboured() { n vps relayctl show relay0 | grep -c "binding: ${HOTEL4//./\\.}:" || true; }
all_neighboured() { (($(neighboured) >= NGHOSTS + 1)); }
wait_for 60 all_neighboured
nproven() { binding_proven nghost1 && binding_proven "nghost$NGHOSTS"; }
wait_for 20 nproven
# Each ghost has two claims of each kind at home (its first tries' and its
# retries'), and spends them at the share's four a second: for about a second
# a ghost the share goes as it comes, and a first try of the laptop's then
# would wait for its retry (ratelimit_test test_stamp_claims_opening: the
# attacker's gain from saving claims up). The rounds check what lasts, after
# that opening: the share one token below full.
window=$((NGHOSTS + 3))
stamped=$(wc -l <"$TMP/marked_stamped")
sleep "$window"
stamped=$(($(wc -l <"$TMP/marked_stamped") - stamped))
log "$(($(neighboured) - 1)) ghosts bound at the laptop's address, nghost1 $(binding_line nghost1);" \
	"$stamped of their initiations reached home stamped in $window s"
# The attack is on: the ghosts take the share's tokens (about four a second).
((stamped >= 2 * window)) ||
	fail "only $stamped of the neighbour's ghosts' initiations reached home stamped in $window s"
for ((round = 1; round <= 2; round++)); do
	before=$(relay_counts hs_initiations hs_cookie_withheld hs_cookies hs_mac2)
	first_try_stamped || fail "round $round: the laptop's first try reached home without mac2" \
		"while $NGHOSTS ghosts proven at its address initiated along their routes" \
		"(counters before: $before; after: $(relay_counts hs_initiations hs_cookie_withheld hs_cookies hs_mac2);" \
		"stamps: $(stamps))"
	log "round $round: the laptop's first try reached home with mac2 (its retries sent at" \
		"$(offsets retries) s; stamps: $(stamps))"
done

step "while the neighbour's ghosts go on, a spoofer of the laptop's own endpoint initiates along its route: the laptop's retries get through"
# The spoofer's initiations come "from" where the laptop talks (and proved),
# so they spend the laptop's second and first-try claims at home (helper-85,
# L1). The neighbour's ghosts go on: they keep the network's share of the
# peers' seconds below full, and their initiations, which carry the relay's
# mac2 from where they proved, spend the network's share of a proven
# source's too (helper-90's combined attack). The laptop's retries carry the
# relay's mac2 from where it proved, which the spoofer cannot have: before
# 8dbe543 they took the first tries' path and then a proven source's, both
# spent, and the laptop could not handshake with home; now they have a
# second and claims of their own. Six a second: at ten the spoofer would
# spend the relay's cookie replies to the laptop's endpoint too, and the
# laptop's retry would have no mac2 of the relay's.
bg attacker wgr-forge spoof "${laptop_ep%:*}" "${laptop_ep##*:}" "$VPS4" "$RELAY_PORT" marked \
	2000 "${WG_PUB[home]}" 6
spoof_pid=$BG_PID
spoofed_stamped=$(wc -l <"$TMP/marked_stamped")
sleep 2
# A round tells something only if the laptop's first try went unstamped (the
# spoofer had its second) and the laptop retried: home, whose load flickers in
# a busy guest, sometimes takes an unstamped first try, and then nothing is
# left to check. Such a round's retry must reach home stamped while the
# laptop has a claim of its retries' at home: two at once, one per 119 s.
# Each retry of the laptop's since the neighbour's step began may have spent
# one: the laptop retries now and then although its first try reached home
# stamped (home, flooded, does not answer every one: seen in the neighbour's
# rounds). So a round is checked only while fewer than two retries went
# before it, and one round must be (ratelimit_test test_stamp_claims_spoofed
# has the laptop retry at every rekey for ten minutes).
checked=0
for ((round = 1; round <= 8 && checked < 2; round++)); do
	prior=$(wc -l <"$TMP/retries")
	if ((prior >= 2)); then
		log "the laptop sent $prior retries since the neighbour's step began: its claims" \
			"at home may be spent, and nothing more is checked"
		break
	fi
	before=$(relay_counts hs_initiations hs_cookie_withheld hs_mac2 cookies_sent)
	new_handshake
	if seen laptop_stamped 0 "$FIRST_TRY"; then
		log "round $round: the first try reached home stamped; nothing to check (its retries" \
			"sent at $(offsets retries) s; stamps: $(stamps))"
	elif ! seen retries 0 9.5; then
		log "round $round: home took the unstamped first try, and the laptop sent no retry"
	else
		seen laptop_stamped "$FIRST_TRY" 9.5 || fail "round $round: the laptop's first retry" \
			"reached home without mac2 while a spoofer of its endpoint initiated" \
			"and $NGHOSTS ghosts proven at its address initiated along their routes" \
			"(the laptop's retries sent at $(offsets retries) s, its initiations stamped at" \
			"home at $(offsets laptop_stamped) s; counters before: $before; after:" \
			"$(relay_counts hs_initiations hs_cookie_withheld hs_mac2 cookies_sent);" \
			"stamps: $(stamps))"
		checked=$((checked + 1))
		log "round $round: the laptop's first retry reached home with mac2 (its retries sent at" \
			"$(offsets retries) s, its initiations stamped at home at $(offsets laptop_stamped) s;" \
			"stamps: $(stamps))"
	fi
done
((checked >= 1)) || fail "no round in $((round - 1)) had a retry to check"
# The attack was on: the checked rounds' first tries went without, and the
# attackers' initiations (the spoofer's and the ghosts') took what a retry
# would have had without its own budgets.
spoofed_stamped=$(($(wc -l <"$TMP/marked_stamped") - spoofed_stamped))
log "the attackers' initiations that reached home stamped: $spoofed_stamped"
((spoofed_stamped >= 5)) || fail "only $spoofed_stamped of the attackers' initiations reached home stamped"
kill "$spoof_pid" "${nghost_pids[@]}"
wait "${nghost_pids[@]}" || true
cat "$TMP/nghost.1.out"

step "a blind spoofer brings gone's stale binding back to life, where gone once proved"
# A proof lasts only as long as the binding it was made in: a staging that
# confirms a stale binding again, even at the same endpoint, makes a new one
# (helper-87). The blind spoofer stages in gone's name "from" gone's old
# socket, and initiates from there along its route to home.
# (The M1 ghosts' initiations are stamped, within the share: they prove.)
sleep 1
marked_stamped=$(wc -l <"$TMP/marked_stamped")
gone_stale() { [[ $(binding_line gone) != *live* ]]; }
wait_for 70 gone_stale
log "gone's binding: $(binding_line gone)"
bg attacker wgr-forge ghostdrain "$VPS4" "$RELAY_PORT" "${gone_ep%:*}" "${gone_ep##*:}" \
	"${home_ep%:*}" "${home_ep##*:}" "${WG_PUB[home]}" "${WG_PUB[gone]}" 60 5 >"$TMP/gone.out"
gone_pid=$BG_PID
revived() { [[ $(binding_line gone) == "$gone_ep (live"* ]]; }
wait_for 30 revived
marked=$(wc -l <"$TMP/marked")
sleep 3
log "gone's binding: $(binding_line gone); $(($(wc -l <"$TMP/marked") - marked)) of the" \
	"spoofer's initiations reached home in 3 s"
(($(wc -l <"$TMP/marked") - marked >= 5)) || fail "the spoofer's initiations do not reach home"
assert_eq 0 "$(($(wc -l <"$TMP/marked_stamped") - marked_stamped))" \
	"the spoofer's initiations that reached home with mac2"
! binding_proven gone || fail "gone's binding, confirmed again by a blind spoofer, is proven"
# And the relay still stamps (home is loaded, the relay has its cookie): the
# spoofer's initiations went unstamped for the rule, not for want of a cookie.
tries 5 first_try_stamped
kill "$gone_pid"


step "a blind spoofer keeps gone2's binding live after gone2 has gone: its proof runs out"
# gone2 proves where it talks, as gone did; the session it stages is one the
# spoofer knows the indices of.
prove_and_go gone2
gone2_ep=$(binding_ep gone2)
index=$(sed -n 's/.*last staged index \([0-9a-f]*\)$/\1/p' "$TMP/gone2.drain")
[[ -n $index && $index != 00000000 ]] || fail "gone2's staging did not pass"
# gone2 is gone; the spoofer keeps its binding live with data on that session
# "from" its socket, once a second, and initiates from there five times a second.
bg attacker wgr-forge spoof "${gone2_ep%:*}" "${gone2_ep##*:}" "$VPS4" "$RELAY_PORT" \
	"data=$index:10" 120 "${WG_PUB[home]}" 1
keep_pid=$BG_PID
bg attacker wgr-forge spoof "${gone2_ep%:*}" "${gone2_ep##*:}" "$VPS4" "$RELAY_PORT" marked \
	600 "${WG_PUB[home]}" 5
gone2_pid=$BG_PID
log "$(debug_ctl vps relay0 proof-life 10)"
not_proven() { ! binding_proven gone2; }
wait_for 20 not_proven
log "gone2's binding: $(binding_line gone2)"
[[ $(binding_line gone2) == "$gone2_ep (live"* ]] || fail "gone2's binding is not live: the spoofer does not keep it"
marked=$(wc -l <"$TMP/marked") marked_stamped=$(wc -l <"$TMP/marked_stamped")
sleep 3
log "$(($(wc -l <"$TMP/marked") - marked)) of the spoofer's initiations reached home in 3 s"
(($(wc -l <"$TMP/marked") - marked >= 5)) || fail "the spoofer's initiations do not reach home"
assert_eq 0 "$(($(wc -l <"$TMP/marked_stamped") - marked_stamped))" \
	"the spoofer's initiations that reached home with mac2, after gone2's proof ran out"
kill "$keep_pid" "$gone2_pid"
