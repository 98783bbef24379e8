#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The work one initiation that asks for discovery causes (trust model v2,
# promise 4; a fifth review, T2). Such an initiation (with the relay's mac2, for
# a peer whose binding is stale or absent, or failing) makes the relay look for
# discovery candidates, under the sources lock with bottom halves off. A
# candidate is a source with an initiation with mac2 in the last 30 s; the relay
# looked for them among every source it remembers, up to 16,384, and a spoofer
# fills that memory for nothing: initiations without mac2 from new IP:ports of
# any prefixes (wgr-forge srcflood), 1,024 sources a /24. Every walk then looked
# at all of them to find the few candidates: about a millisecond of every
# CPU's handshakes a walk on a real machine, as often as an attacker's address
# may initiate with mac2 (160 a second).
#
# Here a spoofer keeps the lab's /24 full of sources that proved nothing, while
# a second attacker address initiates to an offline peer with mac2, ten a second
# from two sockets: each asks for discovery. The debug build counts the walks
# and the sources they look at; a walk must look at the candidates only (the
# two sockets and the lab's peers: a handful), not at the spoofer's sources.
# A count, not a time: it holds whatever the guest's speed.
#
# Variant "busy": the walks' work over time (the walk budget). An attacker with
# two addresses in each of four /24s keeps 4,000 candidates live (500 ports an
# address, each with the relay's cookie and an initiation with mac2 every 10 s)
# and each of those initiations, for an offline peer, is a walk. A walk is
# bounded (4,096 visits), but walks were not: 400 a second of 4,000 visits,
# under the sources lock with bottom halves off, from eight addresses. Each
# initiating network (IPv4 /24, IPv6 /32) now has a budget of visits a second,
# and the relay one in all: the attacker's walks together may look at no more
# than four networks' budgets, whatever it sends.
#
# Variant "starve": what the budgets leave a peer. Eight busy networks spend
# the relay's budget; a test guest cannot send that much, so the relay's budget
# is set to 64 visits a second (debugfs walk-rate) and four addresses of the
# attacker's in two /24s spend it, initiating with mac2 from 500 ports each,
# 200 walks a second. Before that the relay forgot everything and a squatter
# took both peers' bindings (t-trust-restart): the pair meets again only by
# discovery. With the budgets alone a peer's walk found the relay's spent and
# looked at a few of the attacker's newest candidates, not at the other peer,
# and the pair did not meet while the attack lasted. A network that asked for
# no walk in the last second walks on the relay's spare budget.
#
# Variant "cycle": what a spoofer does to the discovery shares (a review in
# session 24, helper-55). The rate limits keep their buckets in one table of
# 16,384, the least recently used going first when it is full, and initiations
# without mac2 from new IP:ports each add buckets: a spoofer that adds them
# faster than an address asks for discovery has that address's share bucket,
# and the candidate's cap, forgotten before each ask, and every ask finds them
# full: 1,218 copies in 20 s where the share allows 129. Here the table of
# buckets anyone can make is cut to 8 (debugfs buckets-max) so that the lab's
# 400 spoofed initiations a second cycle it, and an address asks for discovery
# 30 times a second from two sockets (each the other's candidate): its copies
# must stay within its share, two a second. Discovery's buckets, which only an
# initiation with mac2 makes, are now kept in a table of their own.
#
# Variant "evict": what real addresses do to that table (a review in session
# 26, helper-60). Its shares are keyed by pairs of /64s, and one IPv6 /48's
# walks add tens of thousands a second; a network's walk bucket pushed out
# made its next walk count as idle, and run on the relay's spare: a network
# that walks all the time walked on the spare every time, and a few such
# spent what the peers' walks need. Here the table of pairs is cut to 4
# (debugfs proven-max) so that the four addresses of "starve" cycle it, the
# relay's budget is spent (walk-rate 64), and the debug build counts the walks
# on the spare: each network's first after an idle second, no more. Walk
# budgets now have a table of their own, which only a new network adds to.
#
# variants: spoof busy starve cycle evict
# module: debug
# timeout: 300
# kernels: one

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cgnat.sh"
. "$(dirname "$0")/../lib/relay.sh"

variant=${1:-spoof}

# ms_between T0 T1: milliseconds between two reads of /proc/uptime.
ms_between() { awk -v a="${1%% *}" -v b="${2%% *}" 'BEGIN { printf "%d", (b - a) * 1000 }'; }

# walk_counts SECONDS: what the debug build counted of discovery's walks over
# SECONDS: sets WALKS, VISITS (the sources they looked at), SPARE (walks on the
# relay's spare budget) and MS, the clock read outside the counts, so that
# everything counted falls in it.
walk_counts() {
	local t0 t1 w0 v0 s0 w1 v1 s1
	t0=$(cat /proc/uptime)
	read -r _ w0 _ v0 _ s0 _ <<<"$(debug_ctl vps relay0 walks)"
	sleep "$1"
	read -r _ w1 _ v1 _ s1 _ <<<"$(debug_ctl vps relay0 walks)"
	t1=$(cat /proc/uptime)
	# A missing field read as nothing would make a count 0, and a bound pass.
	[[ "$w0 $v0 $s0 $w1 $v1 $s1" =~ ^[0-9]+(\ [0-9]+){5}$ ]] ||
		fail "debugfs walks: expected walks, visits and spare walks, got: $w0 $v0 $s0 / $w1 $v1 $s1"
	WALKS=$((w1 - w0)) VISITS=$((v1 - v0)) SPARE=$((s1 - s0))
	MS=$(ms_between "$t0" "$t1")
}
cgnat_setup
ns_add attacker
public attacker eth0 203.0.113.66
ns_add attacker2
public attacker2 eth0 203.0.113.67
# Nobody listens at nas's static endpoint: the spoofer's initiations go there,
# and are never copied to candidates themselves.
RELAY_PEER_EXTRA[nas]="Endpoint = 198.51.100.7:51820"
wg_keys home laptop ghost nas
relay_up home laptop ghost nas
wg_peers "$RELAY_EP" "$RELAY_EP"
pair_works laptop home

if [[ $variant == busy ]]; then
	step "eight addresses in four /24s keep 4,000 candidates live; each of their initiations is a walk"
	nets=(198.18.{1..4})
	elsewhere crowd 2 "${nets[@]}"
	mac2_crowd 90 50 500 ghost 2 "${nets[@]}"
	cat "$TMP"/crowd-*
	sleep 12
	walk_counts 20
	walks=$WALKS visits=$VISITS ms=$MS
	n vps relayctl show relay0 stats | grep -E 'discovery|hs_mac2|hs_initiations|hs_ratelimited'
	log "in $ms ms: $walks walks looked at $visits sources ($((visits / (walks ? walks : 1))) a walk)"
	step "the pair still talks"
	pair_works laptop home
	kill "${CROWD[@]}" 2>/dev/null || true
	wait "${CROWD[@]}" 2>/dev/null || true

	step "the walks looked at no more than four prefixes' budgets"
	((walks >= 200)) || fail "only $walks walks in $ms ms: the crowd's initiations did not ask for discovery"
	# Four prefixes' budgets of 131,072 visits a second, and each one's
	# burst of 32,768 (module/ratelimit.c); every visit in the window is
	# the crowd's (the pair talks, and asks for none). Under the relay's
	# budget: four prefixes do not spend it, so none walks on its own alone.
	bound=$((4 * (131072 * ms / 1000 + 32768)))
	((visits <= bound)) || fail "$visits visits in $ms ms, over the four prefixes' $bound"
	log "$visits visits of at most $bound"
	exit 0
fi

if [[ $variant == starve ]]; then
	step "the relay forgets everything; a squatter takes both peers' bindings"
	# As in t-trust-restart: the pair can meet again by discovery alone. The
	# squatter is the attacker's host, away from the lab's /24 (the peers').
	nets=(198.18.1 198.18.2)
	elsewhere crowd 2 "${nets[@]}"
	squat_pair 200

	step "four addresses in two /24s spend the relay's budget of visits, set to 64 a second"
	debug_ctl vps relay0 walk-rate 64
	mac2_crowd 200 50 500 ghost 2 "${nets[@]}"
	limited=$(relay_stat0 discovery_limited)
	sleep 5
	(($(relay_stat0 discovery_limited) > limited + 100)) ||
		fail "the attacker's walks are not limited: the relay's budget is not spent"

	step "both peers send; they meet again by discovery alone"
	meet_again
	took=$TOOK
	log "the pair met again $took s after it started sending"
	crowd_end
	# WireGuard starts a handshake 15 s after its data goes unanswered and
	# retries every 5 s; the retry carries the relay's mac2 and is copied to
	# candidates: about 21 s, as t-trust-restart's pair takes.
	((took <= 45)) || fail "the pair took $took s to meet again"
	exit 0
fi

if [[ $variant == evict ]]; then
	step "four addresses in two /24s walk 200 times a second; the table of pairs cut to 4"
	debug_ctl vps relay0 walk-rate 64
	debug_ctl vps relay0 proven-max 4
	nets=(198.18.1 198.18.2)
	elsewhere crowd 2 "${nets[@]}"
	mac2_crowd 90 50 500 ghost 2 "${nets[@]}"
	sleep 5
	walk_counts 20
	walks=$WALKS spare=$SPARE ms=$MS
	n vps relayctl show relay0 stats | grep -E 'discovery|hs_mac2|hs_initiations|hs_ratelimited'
	log "in $ms ms: $walks walks, $spare of them on the relay's spare"
	kill "${CROWD[@]}" 2>/dev/null || true
	wait "${CROWD[@]}" 2>/dev/null || true

	step "each network walks on the spare once after an idle second, no more"
	((walks >= 200)) || fail "only $walks walks in $ms ms: the crowd's initiations did not ask for discovery"
	# Two networks that never pause: the spare only if a walk bucket went
	# missing; one a second each, and one each at the window's edges.
	bound=$((2 * (ms / 1000 + 1)))
	((spare <= bound)) ||
		fail "$spare of $walks walks on the spare in $ms ms, over the two networks' $bound: their walk budgets were pushed out of the table"
	log "$spare walks on the spare of at most $bound"
	exit 0
fi

if [[ $variant == cycle ]]; then
	step "a spoofer cycles the rate limits' buckets; an address asks for discovery 30 times a second"
	debug_ctl vps relay0 buckets-max 8
	bg attacker2 wgr-forge mac2for "$VPS4" "$RELAY_PORT" 60 30 2 "${WG_PUB[ghost]}" >"$TMP/asker"
	asker=$BG_PID
	wait_for 30 grep -q "ports have the relay's cookie" "$TMP/asker"
	bg attacker wgr-forge srcflood "$VPS4" "$RELAY_PORT" 45 400 203.0.113.100 100 64 \
		"${WG_PUB[nas]}" >"$TMP/flood"
	flooder=$BG_PID
	sleep 5
	t0=$(cat /proc/uptime)
	# Datagrams the vps's UDP sockets received: the flood's, the asker's, the pair's.
	udp_in() { n vps awk '$1 == "Udp:" && $2 ~ /^[0-9]/ { print $2 }' /proc/net/snmp; }
	f0=$(relay_stat discovery_fwd) m0=$(relay_stat hs_mac2) i0=$(udp_in)
	sleep 20
	f1=$(relay_stat discovery_fwd) m1=$(relay_stat hs_mac2) i1=$(udp_in)
	t1=$(cat /proc/uptime)
	ms=$(ms_between "$t0" "$t1")
	n vps relayctl show relay0 stats | grep -E 'discovery|hs_mac2|hs_initiations|hs_ratelimited'
	kill "$flooder" "$asker" 2>/dev/null || true
	wait "$flooder" "$asker" 2>/dev/null || true
	asks=$((m1 - m0)) copies=$((f1 - f0)) spoofed=$((i1 - i0 - asks))
	log "in $ms ms: $asks initiations with mac2 for ghost, $spoofed others, $copies discovery copies"

	step "the asker's copies stay within its share"
	((asks >= 200)) || fail "only $asks initiations with mac2 in $ms ms: the asker did not run"
	((spoofed >= 1000)) || fail "only $spoofed spoofed initiations in $ms ms: the flood did not run"
	# Two a second to a candidate address from one initiating address, and
	# its burst of two (module/ratelimit.c), for each of three candidate
	# addresses at most: the asker's, home's and the laptop's (the pair
	# talks, and its initiations carry no mac2: they are not candidates).
	bound=$((3 * (2 * ms / 1000 + 2)))
	((copies <= bound)) ||
		fail "$copies copies in $ms ms, over the shares' $bound: the spoofer's buckets pushed the asker's share out"
	log "$copies copies of at most $bound"
	exit 0
fi

step "a second address earns the relay's cookie on two sockets; initiations for ghost with mac2"
bg attacker2 wgr-forge mac2for "$VPS4" "$RELAY_PORT" 60 10 2 "${WG_PUB[ghost]}" >"$TMP/asker"
asker=$BG_PID
wait_for 30 grep -q "ports have the relay's cookie" "$TMP/asker"
cat "$TMP/asker"

step "a spoofer fills the /24's memory of sources with ones that prove nothing"
bg attacker wgr-forge srcflood "$VPS4" "$RELAY_PORT" 50 400 203.0.113.100 100 64 \
	"${WG_PUB[nas]}" >"$TMP/flood"
flooder=$BG_PID
# 1,024 new sources fill the prefix in under three seconds at 400 a second.
sleep 8
walk_counts 20
walks=$WALKS visits=$VISITS
n vps relayctl show relay0 stats | grep -E 'discovery_fwd|hs_mac2|hs_initiations|hs_ratelimited'
log "in 20 s: $walks walks for candidates looked at $visits sources"
kill "$flooder" "$asker" 2>/dev/null || true
wait "$flooder" "$asker" 2>/dev/null || true
cat "$TMP/flood"

step "every initiation with mac2 for ghost asked for discovery; no walk looked past the candidates"
# Ten a second for 20 s, less what a slow guest loses: each one is a walk.
((walks >= 100)) || fail "only $walks walks in 20 s: the initiations for ghost did not ask for discovery"
# The candidates: the asker's two sockets, and home and the laptop if they
# initiated with mac2 lately. A walk that looks at the spoofer's sources looks
# at hundreds.
((visits <= walks * 8)) || fail "$visits sources looked at in $walks walks ($((visits / walks)) a walk)"
log "$((visits * 10 / walks)) tenths of a source looked at a walk"
