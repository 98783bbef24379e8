#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Restarts lose nothing (trust model v2, DESIGN 2.3). A busy pair (the laptop
# pings home every 0.2 s) and an idle pair (the tablet and home2, keepalives
# only) talk through the relay; the relay goes down (relayctl down saves its
# sessions and bindings) and comes up again (relayctl up restores them, bindings
# as stale). The busy pair's pings resume at once, without a new handshake: the
# outage is printed. Every binding comes back stale and turns live with its
# peer's next data. Then the state file's own checks: a bad line is refused with
# its line number, an entry for an unknown peer is skipped and reported, and so
# is one at an endpoint RESTORE refuses (an older relay could save an
# IPv4-mapped one: relayctl sent it, and the refusal ended the restore there),
# entries already there collide, and up ignores a file older than session-timeout.
# Without saved state (the code before), the busy pair's data is dropped until
# the peers handshake again, and that takes a discovery: tens of seconds.
#
# timeout: 300
# kernels: one

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cgnat.sh"
. "$(dirname "$0")/../lib/relay.sh"

export WGRELAY_STATE_DIR=$TMP/state
STATE=$WGRELAY_STATE_DIR/relay0.state
cgnat_setup
behind_nat cgnat home2 100.65.0
behind_nat hotelnat tablet 10.0.2
WG_ADDR+=([home2]=172.31.0.3 [tablet]=172.31.0.5)
wg_keys home laptop home2 tablet
relay_up home laptop home2 tablet
wg_peers "$RELAY_EP" "$RELAY_EP"
wg_up home2
wg_up tablet
wg_mesh_peer tablet home2 "$RELAY_EP"
wg_mesh_peer home2 tablet "$RELAY_EP"
pair_works laptop home
pair_works tablet home2

# last_handshake NS PEER: NS's latest handshake with PEER (Unix seconds).
last_handshake() {
	n "$1" wg show "${WG_IF[$1]}" latest-handshakes | awk -v k="${WG_PUB[$2]}" '$1 == k { print $2 }'
}
# status_rx NAME: "STATUS RX" of peer NAME from one snapshot: its binding's status
# and the datagrams this device received from it.
status_rx() {
	local p
	p=$(peer_json "$1")
	echo "$(grep -o '"binding_status":"[a-z]*"' <<<"$p" | cut -d'"' -f4)" \
		"$(grep -o '"rx_packets":[0-9]*' <<<"$p" | cut -d: -f2)"
}
# binding_status NAME: live, stale, ... of NAME's binding, or none.
binding_status() {
	local line
	line=$(binding_line "$1")
	[[ $line =~ \(([a-z]+) ]] && echo "${BASH_REMATCH[1]}" || echo none
}

step "the relay restarts while the laptop pings home every 0.2 s"
hs_laptop=$(last_handshake laptop home)
hs_tablet=$(last_handshake tablet home2)
show_relay
count=150
bg laptop ping -n -i 0.2 -W 1 -c "$count" "${WG_ADDR[home]}" >"$TMP/ping"
ping_pid=$BG_PID
sleep 5
start=${EPOCHREALTIME/./}
n vps relayctl down relay0
n vps relayctl up "$TMP/relay0.conf" | tee "$TMP/up"
took=$(((${EPOCHREALTIME/./} - start) / 1000))
log "relayctl down and up took $took ms"
((took <= 20000)) || fail "relayctl down and up took $took ms"
# Right away: the idle pair sends nothing but a keepalive every 25 s (and home2 a
# passive one 10 s after pair_works's last ping, which may land just now): each
# status is read with the count of what its peer sent to the new device, in one
# snapshot.
read -r status_home2 rx_home2 < <(status_rx home2)
read -r status_tablet rx_tablet < <(status_rx tablet)
log "right after up: home2's binding $(binding_line home2); tablet's $(binding_line tablet)"
wait "$ping_pid" || true
read -r got gap < <(ping_report "$TMP/ping" "$count" 1000)
log "busy pair: $got of $count pings answered; longest outage $gap pings, $((gap * 200)) ms"
n vps relayctl show relay0 sessions

step "the busy pair went on where it was: no new handshake"
# 3 s, plus what relayctl down and up took on this guest (a loaded one can take
# seconds): a lost state costs tens of seconds, and no new handshake (below) is
# the proof.
if ((gap * 200 > 3000 + took)); then
	# How long it really takes without the saved state, for the record.
	for ((i = 0; i < 120; i++)); do
		n laptop ping -c 1 -W 1 "${WG_ADDR[home]}" >/dev/null 2>&1 && break
	done
	log "the busy pair was back $(((${EPOCHREALTIME/./} - start) / 1000)) ms after the restart began"
	fail "the busy pair lost $((gap * 200)) ms of pings across the restart"
fi
assert_eq "$hs_laptop" "$(last_handshake laptop home)" "laptop's last handshake with home"
assert_match "restored [1-9][0-9]* sessions? and 4 bindings" "$(cat "$TMP/up")" "relayctl up"

step "the state file: 0600, the pairs' sessions and the four bindings"
assert_eq 600 "$(stat -c %a "$STATE")" "the state file's mode"
cat "$STATE"
for p in "home laptop" "home2 tablet"; do
	read -r a b <<<"$p"
	assert_match "session ([^ ]+ ){8}" "$(grep -F "${WG_PUB[$a]}" "$STATE" | grep -F "${WG_PUB[$b]}" | grep '^session')" \
		"a saved session of $a and $b"
done
assert_eq 4 "$(grep -c '^binding ' "$STATE")" "bindings saved"
# The relay's address each peer reached it at: replies must leave from there.
assert_eq 4 "$(grep -c "^binding .*@$VPS4 " "$STATE")" "bindings saved with the relay's address"

step "bindings come back stale; the peers' data makes them live"
for p in home2 tablet; do
	st=status_$p rx=rx_$p
	if [[ ${!st} == live ]] && ((${!rx} > 0)); then
		log "$p sent ${!rx} datagrams to the new device before its status was read: live is right"
		continue
	fi
	assert_eq stale "${!st}" "$p's binding right after up (it had sent ${!rx} datagrams since)"
done
wait_for 10 eval '[[ $(binding_status home) == live && $(binding_status laptop) == live ]]'
# The idle pair's next keepalives, within 25 s, on its restored session.
wait_for 40 eval '[[ $(binding_status home2) == live && $(binding_status tablet) == live ]]'
show_relay
ping_ok tablet "${WG_ADDR[home2]}" 2
assert_eq "$hs_tablet" "$(last_handshake tablet home2)" "tablet's last handshake with home2"

step "a state file with a bad line is refused, with its line number"
sed '4s/ [0-9.]*:[0-9]*\(@[0-9.]*\)\? / 203.0.113.999:1 /' "$STATE" >"$TMP/bad.state"
sed -n 4p "$TMP/bad.state"
assert_fails n vps relayctl restore relay0 "$TMP/bad.state" 2>"$TMP/err"
cat "$TMP/err"
assert_match "bad.state:4: invalid endpoint '203.0.113.999:1'" "$(cat "$TMP/err")" "relayctl restore"

step "an unknown peer and an endpoint no peer can be at are skipped and reported; what is there already collides"
# An older relay could save the second (an IPv4-mapped source), which RESTORE
# refuses: one such entry must not cost the rest of the file.
lines=$(wc -l <"$STATE")
{
	cat "$STATE"
	echo "binding $(key 7) 198.51.100.7:51820 $(date +%s)"
	echo "binding ${WG_PUB[tablet]} [::ffff:192.0.2.9]:51820 $(date +%s)"
} >"$TMP/unknown.state"
n vps relayctl restore relay0 "$TMP/unknown.state" --json >"$TMP/out" 2>"$TMP/err"
cat "$TMP/out" "$TMP/err"
assert_match "unknown.state:$((lines + 1)): unknown peer $(key 7): skipped" "$(cat "$TMP/err")" \
	"relayctl restore's report"
assert_match "unknown.state:$((lines + 2)): endpoint \\[::ffff:192.0.2.9\\]:51820 is not one a peer can be at: skipped" \
	"$(cat "$TMP/err")" "relayctl restore's report of the bad endpoint"
assert_match '"bad_endpoint":1}' "$(cat "$TMP/out")" "the bad endpoint counted"
assert_match '"sessions":0,"bindings":0,' "$(cat "$TMP/out")" "nothing restored twice"
assert_match '"unknown_peer":1,' "$(cat "$TMP/out")" "the unknown peer counted"
assert_match '"collision":[1-9]' "$(cat "$TMP/out")" "sessions already there"
assert_match '"bound":4' "$(cat "$TMP/out")" "bindings already live"

step "up ignores a state file older than session-timeout"
n vps relayctl down relay0
sed -i "s/^saved .*/saved $(($(date +%s) - 600))/" "$STATE"
n vps relayctl up "$TMP/relay0.conf" 2>"$TMP/err"
cat "$TMP/err"
assert_match "relay0.state: saved 6[0-9][0-9] s ago, longer than session-timeout \(180 s\): not restored" \
	"$(cat "$TMP/err")" "relayctl up with an old state file"
assert_eq none "$(binding_status home2)" "home2's binding after up without state"
