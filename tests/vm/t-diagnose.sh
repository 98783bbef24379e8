#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# relayctl peer-config and relayctl diagnose against stock WireGuard peers behind
# NAT. home, laptop and phone are peers of one relay; phone's AllowedPeers is home
# only. The peers' WireGuard configs are what peer-config printed, with AllowedIPs
# filled in: the tunnels coming up through the relay prove the output usable.
# diagnose's verdicts follow what happens: nobody up (never seen), home and phone
# up and laptop not (connected; partner offline; never seen), laptop up while
# the relay's per-address ceiling refuses every unvouched initiation (the debug
# build's knob plays the flood: rate-limited), then connected, and trying phone,
# which the relay refuses (AllowedPeers), laptop gone with its binding put back
# stale (binding stale), then expired (offline). Every --json output must parse
# (wgr-json).
#
# module: debug
# kernels: newest
# timeout: 300

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cgnat.sh"
. "$(dirname "$0")/../lib/relay.sh"

JSON=wgr-json

cgnat_setup
behind_nat hotelnat phone 10.0.1
WG_ADDR+=([phone]=172.31.0.3)
wg_keys home laptop phone

step "the relay: phone may talk to home only"
RELAY_PEER_EXTRA[phone]="AllowedPeers = home"
relay_up home laptop phone

# diag [PEER]: diagnose's report, logged, in words.
diag() { n vps relayctl diagnose relay0 "$@"; }

# diag_json [PEER]: diagnose --json, which must parse.
diag_json() {
	n vps relayctl diagnose relay0 "$@" --json >"$TMP/diag.json"
	"$JSON" <"$TMP/diag.json" || fail "diagnose --json: not JSON: $(cat "$TMP/diag.json")"
	cat "$TMP/diag.json"
}

# partner PEER PARTNER: PEER's entry about PARTNER in diagnose --json, one line.
partner() {
	diag_json "$1" | sed 's/{"public_key"/\n&/g' | grep -F "\"name\":\"$2\"" | head -1
}

# expect PEER PARTNER VERDICT: diagnose gives that verdict (and logs its reason);
# the entry is left in $ENTRY for further checks.
expect() {
	ENTRY=$(partner "$1" "$2")
	log "$1 -> $2: $(grep -o '"verdict":.*"sessions"' <<<"$ENTRY")"
	assert_eq "$3" "$(grep -o '"verdict":"[a-z_]*"' <<<"$ENTRY" | cut -d'"' -f4)" \
		"diagnose's verdict for $1 and $2"
}

# has TEXT WHAT: $ENTRY says TEXT (a fixed string: keys hold '+' and '/').
has() { grep -qF -- "$1" <<<"$ENTRY" || fail "$2: no '$1' in: $ENTRY"; }

step "nobody up yet: never seen"
diag
expect home laptop never_seen
expect laptop home never_seen
# phone lists home only; laptop lists nobody (everyone): one-sided, so shown as refused.
expect laptop phone not_allowed
has "phone's allowed peers do not list laptop" "why laptop and phone may not talk"
expect phone laptop not_allowed
# A key names a peer as well as its name does.
assert_eq "$(diag laptop | tail -n +2)" "$(diag "${WG_PUB[laptop]}" | tail -n +2)" \
	"diagnose by name and by key"

step "peer-config refuses bad input, naming it"
# bad WHAT REGEX CMD...: CMD fails, says REGEX on stderr, prints nothing on stdout.
bad() {
	local what=$1 re=$2 err
	shift 2
	if err=$("$@" 2>&1 >"$TMP/bad.out"); then
		fail "$what: '$*' succeeded"
	fi
	log "$what: $err"
	assert_match "$re" "$err" "$what: the error of '$*'"
	assert_empty_file "$TMP/bad.out" "$what: stdout of '$*'"
}
pc() { n vps relayctl peer-config "$@"; }
bad "unknown peer" "relay0 has no peer named 'tablet'" pc relay0 tablet --endpoint "$RELAY_EP"
bad "unknown key" "relay0 has no peer with public key $(key 9)" \
	pc relay0 "$(key 9)" --endpoint "$RELAY_EP"
bad "no port" "invalid endpoint '$VPS4': expected HOST:PORT" pc relay0 home --endpoint "$VPS4"
bad "bad port" "invalid endpoint '$VPS4:0': port must be 1-65535" \
	pc relay0 home --endpoint "$VPS4:0"
bad "bare IPv6" "put IPv6 addresses in brackets" pc relay0 home --endpoint "2001:db8::1:51820"
bad "no endpoint" "endpoint is missing: give --endpoint HOST:PORT.*port, 51820" pc relay0 home
bad "unknown device" "peer-config relay9" pc relay9 home --endpoint "$RELAY_EP"
bad "diagnose: unknown peer" "relay0 has no peer named 'tablet'" diag tablet

step "peer-config's sections, AllowedIPs filled in, bring home and phone up"
for ns in home laptop phone; do
	pc relay0 "$ns" --endpoint "$RELAY_EP" >"$TMP/$ns.peers"
	pc relay0 "$ns" --endpoint "$RELAY_EP" --json >"$TMP/$ns.peers.json"
	"$JSON" <"$TMP/$ns.peers.json" || fail "peer-config --json: not JSON"
done
cat "$TMP/home.peers" "$TMP/laptop.peers.json"
assert_eq 2 "$(grep -c '^\[Peer\]' "$TMP/home.peers")" "home's [Peer] sections"
assert_eq 1 "$(grep -c '^\[Peer\]' "$TMP/laptop.peers")" "laptop's [Peer] sections"
assert_eq 1 "$(grep -c '^\[Peer\]' "$TMP/phone.peers")" "phone's [Peer] sections"
assert_fails grep -qF "${WG_PUB[phone]}" "$TMP/laptop.peers"
assert_ok grep -qxF "PublicKey = ${WG_PUB[home]}" "$TMP/phone.peers"
assert_eq 2 "$(grep -c "^Endpoint = $RELAY_EP\$" "$TMP/home.peers")" "Endpoint = the relay"
assert_eq 2 "$(grep -c '^PersistentKeepalive = 25$' "$TMP/home.peers")" "keepalives"
assert_eq 2 "$(grep -c '^AllowedIPs = $' "$TMP/home.peers")" "AllowedIPs left to fill in"
assert_eq "$(cat "$TMP/laptop.peers")" \
	"$(pc relay0 "${WG_PUB[laptop]}" --endpoint "$RELAY_EP")" "peer-config by key"
assert_match '"persistent_keepalive":25' "$(cat "$TMP/laptop.peers.json")" "peer-config --json"

# fill NS: NS's sections with each partner's tunnel address, as a user fills them in.
fill() {
	awk -v names="home laptop phone" -v addrs="${WG_ADDR[home]} ${WG_ADDR[laptop]} ${WG_ADDR[phone]}" '
		BEGIN { split(names, n); split(addrs, a); for (i in n) addr[n[i]] = a[i] }
		/^# / && prev == "[Peer]" { who = $2 }
		/^AllowedIPs = $/ { $0 = $0 addr[who] "/32" }
		{ prev = $0; print }' "$TMP/$1.peers" >"$TMP/$1.conf"
}
for ns in home phone; do
	fill "$ns"
	wg_up "$ns"
	n "$ns" wg addconf "${WG_IF[$ns]}" "$TMP/$ns.conf"
done
n home wg showconf "${WG_IF[home]}" | grep -v PrivateKey
pair_works home phone

step "home and phone connected; laptop down: partner offline, never seen"
diag
expect phone home connected
expect home phone connected
assert_match '"sessions":\[\{"receiver_index":[0-9]+,"owner":"[^"]+","owner_name":"(home|phone)"' \
	"$ENTRY" "home and phone's sessions in diagnose --json"
assert_match "index [0-9a-f]{8}: to (home|phone) at $CGNAT4:[0-9]+, confirmed" "$(diag home)" \
	"a session of home and phone in diagnose's words"
# Home's keepalives try laptop: each initiation, with nowhere to go, is refused.
wait_for 30 eval '[[ $(peer_json laptop) =~ \"no_route\":[1-9] ]]'
expect home laptop partner_offline
has "laptop has never been seen" "why home cannot reach laptop"
assert_match "Initiations for laptop refused with nowhere to send them: [1-9][0-9]*" "$ENTRY" \
	"laptop's no-route refusals in diagnose's reason"
expect laptop home never_seen

step "laptop up while the relay's ceiling refuses what nothing vouches for: rate-limited"
assert_eq 0 "$(relay_stat hs_ratelimited)" "hs_ratelimited before"
log "$(debug_ctl vps relay0 ceiling-shut 1)"
fill laptop
wg_up laptop
n laptop wg addconf "${WG_IF[laptop]}" "$TMP/laptop.conf"
wait_for 20 eval '(( $(relay_stat hs_ratelimited) >= 1 ))'
expect laptop home rate_limited
has "rate-limited" "the limit in the reason"
log "$(debug_ctl vps relay0 ceiling-shut 0)"

step "laptop connects (and tries phone, which the relay refuses)"
wg_mesh_peer laptop phone "$RELAY_EP"
wg_mesh_peer phone laptop "$RELAY_EP"
pair_works laptop home
expect laptop home connected
expect home laptop connected
# laptop's initiations reach phone (bound live); the relay drops phone's answers.
n laptop ping -c 1 -W 1 "${WG_ADDR[phone]}" >/dev/null || true
wait_for 20 eval '(( $(relay_stat hs_denied) >= 1 ))'
assert_fails n laptop ping -c 2 -i 0.5 -W 1 "${WG_ADDR[phone]}"
expect laptop phone not_allowed
assert_match "[1-9][0-9]* handshake\(s\) naming laptop refused by AllowedPeers so far" "$ENTRY" \
	"laptop's refusals in diagnose's reason"
diag laptop
diag_json laptop

step "laptop gone; its binding put back stale: binding stale"
n vps relayctl save relay0 "$TMP/relay0.state"
n laptop ip link del "${WG_IF[laptop]}"
n vps relayctl flush relay0 all
# Its binding alone comes back (stale, as restore always makes one); no session.
grep -F -e "binding ${WG_PUB[laptop]}" -e wgrelay-state -e saved "$TMP/relay0.state" \
	>"$TMP/laptop.state"
n vps relayctl restore relay0 "$TMP/laptop.state"
expect laptop home stale
assert_match "laptop's binding at $HOTEL4:[0-9]+ is stale" "$ENTRY" "the stale binding in the reason"

step "with a short binding-timeout, laptop's binding expires: offline"
# Bindings are swept every eighth of the session timeout: make that a second.
n vps relayctl set relay0 session-timeout 8 binding-timeout 2
wait_for 20 eval "partner laptop home | grep -qF '\"verdict\":\"expired\"'"
expect laptop home expired
assert_match "laptop is offline: last seen [0-9]+ s ago, its binding expired or was flushed" "$ENTRY" \
	"the expired binding in the reason"
diag
