#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Counts that cannot be locked (trust model v2, DESIGN.md 2.3, promise 4; test 7
# of the trust issue). An insider, mallory, is provisioned with a static
# endpoint at a host of its own on another prefix (198.51.100.66:4444). From
# there it fills the relay's session table with confirmed pairs whose both ends
# are itself (wgr-forge fill): eight sockets initiate to mallory, 100 a second in
# all; the relay forwards each to mallory's static endpoint, which answers in the
# name of ghost1, ghost2, home or the laptop, and the initiating socket sends the
# first data. The relay's table holds 64 sessions (max-sessions), so it is full
# within a second, and stays full.
#
# Meanwhile home and the laptop, who were talking, re-handshake (the laptop's
# WireGuard forgets home, so it initiates at once), and a tablet that never
# talked to home connects to it. With one pool that refuses what does not fit
# (trust model v1 and the first v2 code) both fail for as long as the flood
# lasts: every new pair is refused (sessions_full). Now the sessions are counted
# by the initiator's prefix (an IPv4 /24, an IPv6 /48), and a full table makes
# room at the expense of the prefix that holds the most: the flood evicts its
# own pairs (sessions_evicted), and each handshake completes within one
# WireGuard retry (two initiations at most, counted on their way out). The
# talking pair's session is kept whatever the flood does (it is anchored: the
# pair route of two peers at their own live bindings).
# Then mallory makes sessions on one sender index from 16 source ports: only
# the first is made (pass 5, F3 and F6). Last, data on a session that was left
# unconfirmed for 12 s finds none (pass 6, G11).
#
# cpu: heavy
# timeout: 420
# kernels: one

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cgnat.sh"
. "$(dirname "$0")/../lib/relay.sh"

# LIMIT: how long a handshake may take here, however busy the flood keeps the
# guest (what is asserted is its tries); GAP: the longest the pings through it
# may go unanswered.
ATTACKER4=198.51.100.66 MALLORY_PORT=4444 MAX=64 LIMIT=30 GAP=20 FLOOD_SECS=120
cgnat_setup
off_prefix_host attacker "$ATTACKER4"
behind_nat hotelnat tablet 10.0.1
WG_ADDR[tablet]=172.31.0.5

wg_keys home laptop tablet mallory ghost1 ghost2
RELAY_SETTINGS="MaxSessions = $MAX"
RELAY_PEER_EXTRA[mallory]="Endpoint = $ATTACKER4:$MALLORY_PORT"
relay_up home laptop tablet mallory ghost1 ghost2
wg_peers "$RELAY_EP" "$RELAY_EP"
pair_works laptop home
declare -A BOUND=([home]=$(binding_ep home) [laptop]=$(binding_ep laptop))
log "home at ${BOUND[home]}, laptop at ${BOUND[laptop]}"

step "mallory fills the session table from $ATTACKER4, 100 pairs a second"
bg attacker wgr-forge fill "$VPS4" "$RELAY_PORT" "$FLOOD_SECS" 100 "$MALLORY_PORT" 8 \
	"${WG_PUB[mallory]}" "${WG_PUB[ghost1]}" "${WG_PUB[ghost2]}" "${WG_PUB[home]}" \
	"${WG_PUB[laptop]}" >"$TMP/fill.out"
fill_pid=$BG_PID
for ((i = 0; i < 30 && $(relay_stat sessions) < MAX - 4; i++)); do
	sleep 1
done
if (($(relay_stat sessions) < MAX - 4)); then
	n vps relayctl show relay0 stats
	show_relay
	fail "mallory's flood did not fill the table in 30 s"
fi
sleep 5
log "sessions $(relay_stat sessions) of $MAX; sessions_full $(relay_stat0 sessions_full)," \
	"sessions_evicted $(relay_stat0 sessions_evicted)"
ping_record home "${WG_ADDR[laptop]}" 60 "$TMP/ping"
ping_pid=$BG_PID

failures=()
step "the laptop re-handshakes with home, the table full of mallory's pairs"
full0=$(relay_stat0 sessions_full)
count_initiations laptop
n laptop wg set "${WG_IF[laptop]}" peer "${WG_PUB[home]}" remove
wg_mesh_peer laptop home "$RELAY_EP"
read -r tries t < <(handshake_tries laptop home "$LIMIT")
said=$(handshake_said "$tries" "$t" "$LIMIT")
handshake_ok "$tries" "$t" 2 || failures+=("the laptop's new handshake with home: $said")
log "laptop -> home: $said; sessions_full +$(($(relay_stat0 sessions_full) - full0))," \
	"sessions_evicted $(relay_stat0 sessions_evicted)"

step "a tablet that never talked to home connects to it"
wg_up tablet
count_initiations tablet
wg_mesh_peer tablet home "$RELAY_EP"
# Home knows the tablet but not where it is: the tablet's tries alone make the
# handshake, so their count is the relay's doing (home initiating at once too
# could complete it while the tablet's were refused). The relay's cookie reply
# costs a fresh contact one retry (return routability).
wg_mesh_peer home tablet ""
read -r tries t < <(handshake_tries tablet home "$LIMIT")
said=$(handshake_said "$tries" "$t" "$LIMIT")
handshake_ok "$tries" "$t" 2 || failures+=("the tablet's first handshake with home: $said")
log "tablet -> home: $said; sessions_evicted $(relay_stat0 sessions_evicted)"

wait "$ping_pid" || true
read -r got gap < <(ping_report "$TMP/ping" 60)
log "home -> laptop through it all: $got of 60 pings answered, longest gap $gap s"

step "the flood ends"
wait "$fill_pid" || true
cat "$TMP/fill.out"
show_relay
passed=$(sed -n 's/.* \([0-9]*\) responses passed on.*/\1/p' "$TMP/fill.out")
# The attack was real: the relay made and confirmed mallory's pairs all along.
((${passed:-0} >= 10 * FLOOD_SECS)) || fail "the flood made only ${passed:-0} pairs"
(($(relay_stat sessions) <= MAX)) || fail "sessions grew past max-sessions ($MAX)"
((${#failures[@]} == 0)) || fail "$(printf '%s; ' "${failures[@]}")"
# Both handshakes were made by evicting mallory's pairs, never by refusing.
assert_stat_ge sessions_evicted 4
# The pings went on through the laptop's new handshake (WireGuard holds them
# for a few seconds while it handshakes).
((got >= 50 && gap <= GAP)) || fail "home -> laptop: $got of 60 answered, gap $gap s"
for p in home laptop; do
	assert_eq "${BOUND[$p]}" "$(binding_ep "$p")" "$p's binding"
done

step "a chain on one receiver index: one sender index from 16 initiator endpoints"
# Pass 5, F3 and F6: every datagram on an index walks its live sessions, and a
# session on a real peer's leaked index from another initiator endpoint takes
# the data its partner sends on it. A live receiver index has one initiator
# endpoint: the relay makes the first session and refuses the rest.
coll0=$(relay_stat hs_collisions)
out=$(n attacker wgr-forge chain "$VPS4" "$RELAY_PORT" 4 4 "$MALLORY_PORT" 16 \
	"${WG_PUB[mallory]}" "${WG_PUB[ghost1]}")
log "$out; hs_collisions +$(($(relay_stat hs_collisions) - coll0))"
assert_match " 1 responses passed on" "$out" "sessions on one index"

step "a session left unconfirmed for longer than a handshake takes is no one's"
# Pass 6, G11. WireGuard's initiator sends data as soon as the response reaches
# it. The sweep removes an unconfirmed pair 10 s after its last datagram, but
# runs only every eighth of the session timeout (22.5 s here); until then data
# on the pair still confirmed it, and such leftovers made chains on one index
# that every datagram on it walked. Now a lookup ages them as the sweep does.
# mallory's socket here gets its response, then sends the first data 12 s on.
nos0=$(relay_stat rx_no_session)
out=$(n attacker wgr-forge late "$VPS4" "$RELAY_PORT" "$MALLORY_PORT" 12 \
	"${WG_PUB[mallory]}" "${WG_PUB[ghost1]}")
sleep 1
idx=$(sed -n 's/^late: data on \([0-9a-f]*\),.*/\1/p' <<<"$out")
log "$out; rx_no_session +$(($(relay_stat rx_no_session) - nos0)); the session on it:" \
	"$(relay_sessions | awk -v i="$idx" '$2 == i { print $6 }')"
[[ -n $idx ]] || fail "the relay did not pass the response on: $out"
relay_sessions | awk -v i="$idx" '$2 == i && $6 == "confirmed" { f = 1 } END { exit !f }' &&
	fail "data 12 s after the response confirmed the session on $idx"
assert_stat_ge rx_no_session $((nos0 + 1))
