#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# relayctl monitor: the relay's events, live. A listener without CAP_NET_ADMIN in
# the relay's namespace may not join. Two listeners (one for people, one --json)
# started before home and the laptop connect see both bound at their NATs'
# addresses and their session confirmed; the tablet, which AllowedPeers keeps
# from home, is refused with that reason; a flood of identical initiations from
# one endpoint is a handful of coalesced events whose counts add up to the
# relay's own refusal counters; SIGINT ends a listener with status 0. relayctl
# show counts each refusal against every peer it named, by reason: the tablet's
# and home's allowed-peers counts are both hs_denied, the peers' no-route counts
# add up to hs_no_route, and nobody else has any.
#
# cpu: heavy
# timeout: 240

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cgnat.sh"
. "$(dirname "$0")/../lib/relay.sh"

ATTACKER4=198.51.100.66 PROBER4=198.51.100.77
FLOOD=2000

cgnat_setup
behind_nat hotelnat tablet 10.0.2
off_prefix_host attacker "$ATTACKER4"
off_prefix_host prober "$PROBER4"
WG_ADDR[tablet]=172.31.0.3
wg_keys home laptop tablet
# The tablet may talk to the laptop only: its handshakes with home are refused.
RELAY_PEER_EXTRA[tablet]="AllowedPeers = laptop"
relay_up home laptop tablet

mon_txt=$TMP/monitor.txt mon_json=$TMP/monitor.json

# probe: one initiation for a key the relay does not have, from the prober (a
# new source port each time): an "unknown-peer" refusal, once someone listens.
probe() { n prober wgr-forge initiation "$VPS4" "$RELAY_PORT" 1 1 "$(key 99)" >/dev/null; }
# heard: both listeners have printed a refusal of a probe.
heard() {
	probe
	grep -q "refused endpoint=$PROBER4:[0-9]* reason=unknown-peer" "$mon_txt" &&
		grep -q "\"event\":\"refused\",\"endpoint\":\"$PROBER4:[0-9]*\",\"reason\":\"unknown-peer\"" "$mon_json"
}

step "no CAP_NET_ADMIN in the relay's namespace: the events group is closed"
# A user namespace of its own: all capabilities there, none in the vps's namespace.
if out=$(n vps unshare -U relayctl monitor 2>&1); then
	fail "an unprivileged listener joined the events group: $out"
fi
echo "$out"
assert_match "permission denied.*CAP_NET_ADMIN" "$out" "unprivileged monitor's error"
# Nobody listens: the flush never runs, so refusals queue nothing and lose nothing.
probe
assert_eq 0 "$(relay_stat events_lost)" "events_lost with no listener"

step "two listeners, then home and the laptop connect through the relay"
bg vps relayctl monitor relay0 >"$mon_txt" 2>"$TMP/monitor.err"
mon_pid=$BG_PID
bg vps relayctl monitor --json >"$mon_json" 2>"$TMP/monitor-json.err"
# Each try sends a probe: bounded by the clock, not by a count of tries.
start=$SECONDS
until heard; do
	((SECONDS - start < 20)) || fail "no listener reported a probe's refusal in 20 s"
	sleep 0.2
done
wg_peers "$RELAY_EP" "$RELAY_EP"
pair_works laptop home
wait_for 10 grep -q "session-confirmed" "$mon_txt"
wait_for 10 grep -q '"event":"session-confirmed"' "$mon_json"
cat "$mon_txt"
txt=$(cat "$mon_txt")
assert_match "relay0 bound peer=home endpoint=$CGNAT4:[0-9]+" "$txt" "home bound at the CGNAT"
assert_match "relay0 bound peer=laptop endpoint=$HOTEL4:[0-9]+" "$txt" "laptop bound at the hotel"
assert_match "relay0 session-confirmed peer=(laptop partner=home endpoint=$HOTEL4|home partner=laptop endpoint=$CGNAT4):[0-9]+" \
	"$txt" "the pair's session confirmed"
json=$(cat "$mon_json")
grep -v '"reason":"no-route"' "$mon_json" | head -6
assert_match "\"device\":\"relay0\",\"event\":\"bound\",\"peer\":\"${WG_PUB[home]//+/\\+}\",\"peer_name\":\"home\",\"endpoint\":\"$CGNAT4:[0-9]+\"" \
	"$json" "home bound, in JSON"
# Every line is one JSON object: braces balanced, the fields every event has.
bad=$(grep -cvE '^\{"time":"[0-9-]+T[0-9:]+Z","unix_time":[0-9]+,"device":"[^"]+","event":"[a-z-]+".*,"count":[0-9]+\}$' \
	"$mon_json" || true)
assert_eq 0 "$bad" "JSON lines that are not one event object"

step "the tablet's handshakes with home: refused, and the monitor says why"
wg_up tablet
wg_peer home tablet "${WG_ADDR[tablet]}/32"
wg_peer tablet home "${WG_ADDR[home]}/32" "$RELAY_EP"
assert_fails n tablet ping -c 1 -W 2 "${WG_ADDR[home]}"
wait_for 30 grep -q "refused peer=tablet partner=home endpoint=$HOTEL4:[0-9]* reason=allowed-peers" "$mon_txt"
grep "reason=allowed-peers" "$mon_txt" | head -3
assert_match '"event":"refused","peer":"[^"]+","peer_name":"tablet","partner":"[^"]+","partner_name":"home".*"reason":"allowed-peers"' \
	"$(cat "$mon_json")" "the refusal in JSON"
assert_stat_ge hs_denied 1

step "relayctl show: each refusal counted against the peers it named, by reason"
n tablet ip link del "${WG_IF[tablet]}"
# Home may still answer an initiation it had: that answer is the last refusal.
sleep 2
json=$(n vps relayctl show relay0 --json | tr -d '\n')
# peer_refused NAME KEY: peer NAME's count of refusals under KEY ("refused" in $json).
peer_refused() {
	local re="\"name\":\"$1\"[^}]*\"refused\":\\{[^}]*\"$2\":([0-9]+)"
	[[ $json =~ $re ]] || fail "no $2 count for $1 in show --json"
	echo "${BASH_REMATCH[1]}"
}
denied=$(relay_stat hs_denied) no_route=$(relay_stat hs_no_route)
log "hs_denied $denied, hs_no_route $no_route"
for p in home laptop tablet; do
	log "$p: $(peer_refused "$p" allowed_peers) allowed-peers, $(peer_refused "$p" no_route) no-route," \
		"$(peer_refused "$p" address_ceiling) address-ceiling, $(peer_refused "$p" sessions_full) sessions-full," \
		"$(peer_refused "$p" collision) collision"
done
((denied >= 1)) || fail "no handshake refused by AllowedPeers"
# The first initiation of home and of the laptop found the other unbound.
((no_route >= 1)) || fail "no initiation refused for want of a route"
assert_eq "$denied" "$(peer_refused tablet allowed_peers)" "the tablet's allowed-peers refusals"
assert_eq "$denied" "$(peer_refused home allowed_peers)" "home's allowed-peers refusals"
assert_eq 0 "$(peer_refused laptop allowed_peers)" "the laptop's allowed-peers refusals"
assert_eq "$no_route" "$(($(peer_refused home no_route) + $(peer_refused laptop no_route) + $(peer_refused tablet no_route)))" \
	"the peers' no-route refusals, added up"
for p in home laptop tablet; do
	for r in address_ceiling sessions_full collision; do
		assert_eq 0 "$(peer_refused "$p" "$r")" "$p's $r refusals"
	done
done
out=$(n vps relayctl show relay0)
assert_match "refused: $(peer_refused tablet allowed_peers) allowed-peers" "$out" "the tablet's refusals in show"

step "$FLOOD identical initiations from one endpoint: a few events, counts that add up"
# Only the flood is refused from here on.
before=$(($(relay_stat hs_ratelimited) + $(relay_stat hs_unknown_target)))
lines_before=$(wc -l <"$mon_txt")
n attacker wgr-forge initiation "$VPS4" "$RELAY_PORT" "$FLOOD" 1000 "$(key 7)"
refused=$(($(relay_stat hs_ratelimited) + $(relay_stat hs_unknown_target) - before))
log "the relay refused $refused of $FLOOD"
((refused > FLOOD / 2)) || fail "the relay refused only $refused of $FLOOD initiations"
# counted: what the people's listener reported of the attacker's refusals, plus lost.
counted() {
	tail -n +"$((lines_before + 1))" "$mon_txt" | awk -v ip="$ATTACKER4" '
		$4 == "refused" && index($0, " endpoint=" ip ":") {
			c = 1; for (i = 5; i <= NF; i++) if ($i ~ /^count=/) c = substr($i, 7); sum += c }
		$4 == "lost" { for (i = 5; i <= NF; i++) if ($i ~ /^count=/) sum += substr($i, 7) }
		END { print sum + 0 }'
}
# The last batch goes within a flush interval; a wrong sum must still be reported.
for ((i = 0; i < 100; i++)); do
	[[ $(counted) == "$refused" ]] && break
	sleep 0.1
done
events=$(tail -n +"$((lines_before + 1))" "$mon_txt" | grep -c " endpoint=$ATTACKER4:" || true)
tail -n +"$((lines_before + 1))" "$mon_txt" | grep " endpoint=$ATTACKER4:" | head -5
log "$refused refusals came as $events events; their counts add up to $(counted)"
assert_eq "$refused" "$(counted)" "refusals counted by the monitor (events' counts plus lost)"
((events * 10 <= FLOOD)) || fail "$events events for $FLOOD identical refusals: not coalesced"
json_sum=$(grep "\"endpoint\":\"$ATTACKER4:" "$mon_json" | sed 's/.*"count":\([0-9]*\)}$/\1/' |
	awk '{ s += $1 } END { print s + 0 }')
log "the JSON listener counted $json_sum (events_lost $(relay_stat events_lost))"
assert_eq "$refused" "$((json_sum + $(relay_stat events_lost)))" \
	"refusals counted by the JSON listener plus events_lost"

step "peers go away: their session expires, their bindings are forgotten"
n vps relayctl set relay0 session-timeout 3 binding-timeout 4
n home ip link del "${WG_IF[home]}"
n laptop ip link del "${WG_IF[laptop]}"
# The session is named by its initiator, whichever of the two that was (as above).
wait_for 30 grep -qE "session-expired peer=(laptop partner=home endpoint=$HOTEL4|home partner=laptop endpoint=$CGNAT4):" \
	"$mon_txt"
wait_for 30 grep -q "unbound peer=home endpoint=$CGNAT4:" "$mon_txt"
wait_for 30 grep -q "unbound peer=laptop endpoint=$HOTEL4:" "$mon_txt"
grep -E "session-expired|unbound" "$mon_txt"

step "a device that is no relay, and SIGINT"
out=$(n vps relayctl monitor nosuchdev 2>&1) && fail "monitor of a missing device succeeded"
echo "$out"
assert_match "nosuchdev" "$out" "monitor of a missing device"
kill -INT "$mon_pid"
rc=0
wait "$mon_pid" || rc=$?
assert_eq 0 "$rc" "relayctl monitor's status after SIGINT"
assert_empty_file "$TMP/monitor.err" "monitor's stderr"
