#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# relayctl against the real module: every command, 10,000 peers, the showconf |
# setconf round trip, syncconf, remove, and bad input that must fail and change
# nothing. Needs no lab topology: one namespace is enough.
#
# timeout: 300

. "$(dirname "$0")/../lib/common.sh"

ns_add r
r() { n r "$@"; }

# key I: a valid public key (42 digits, a last character with zero low bits, '=').
key() { printf '%042dA=' "$1"; }

# state: what must not change when a bad command fails.
state() { r relayctl showconf relay0; }

# bad WHAT CMD...: CMD fails with a message on stderr and relay0 is unchanged.
bad() {
	local what=$1 before after err
	shift
	before=$(state)
	if err=$("$@" 2>&1 >/dev/null); then
		fail "$what: '$*' succeeded"
	fi
	[[ -n $err ]] || fail "$what: '$*' printed no error"
	log "$what: $err"
	after=$(state)
	assert_eq "$before" "$after" "$what: state after '$*'"
}

step "help, version, usage"
relayctl help | grep -q "relayctl set DEV"
relayctl version | grep -q '^relayctl '
assert_fails relayctl no-such-command
assert_fails relayctl show relay0 bogus

step "up from a config directory, down"
mkdir -p "$TMP/conf"
cat >"$TMP/conf/relay0.conf" <<EOT
[Relay]
ListenPort = 51820

[Peer]
PublicKey = $(key 1)
Name = home

[Peer]
PublicKey = $(key 2)
Name = laptop
Endpoint = 192.0.2.2:51820
AllowedPeers = home
EOT
r env WGRELAY_CONFIG_DIR="$TMP/conf" relayctl up relay0
r ip -d link show relay0 | grep -q wgrelay
r ip link show relay0 | grep -q ',UP'
r relayctl show
r relayctl show relay0 peers | tee "$TMP/peers"
assert_eq 2 "$(wc -l <"$TMP/peers")" "peers listed"
r relayctl show relay0 stats | grep -q '^rx_invalid	'
r relayctl show relay0 stats | grep -q '^hs_ratelimited	'
r relayctl show relay0 sessions
r relayctl show all --json | grep -q '"interface":"relay0"'
r relayctl flush relay0
r relayctl flush relay0 sessions
r relayctl flush relay0 bindings
r relayctl down relay0
assert_fails r ip link show relay0
r relayctl up "$TMP/conf/relay0.conf"

step "set: every keyword"
r relayctl set relay0 listen-port 4000 session-timeout 60 binding-timeout 120 \
	max-sessions 1000 discovery-fanout 0 roaming off \
	peer "$(key 3)" name far endpoint '[2001:db8::3]:5' allowed-peers "home,$(key 2)"
state | tee "$TMP/conf1"
grep -q '^ListenPort = 4000$' "$TMP/conf1"
grep -q '^Roaming = off$' "$TMP/conf1"
grep -q '^AllowedPeers = laptop, home$\|^AllowedPeers = home, laptop$' "$TMP/conf1"
r relayctl set relay0 peer "$(key 3)" name '' endpoint '' allowed-peers ''
state | grep -A3 "$(key 3)" >"$TMP/p3"	# the last peer by key: nothing follows it
assert_fails grep -q 'Name\|Endpoint\|AllowedPeers' "$TMP/p3"
r relayctl set relay0 peer "$(key 3)" remove
state >"$TMP/conf2"
assert_fails grep -q "$(key 3)" "$TMP/conf2"

step "showconf | setconf round trip"
state >"$TMP/a"
r relayctl setconf relay0 /dev/stdin <"$TMP/a"
state >"$TMP/b"
cmp "$TMP/a" "$TMP/b"

step "bad input fails and changes nothing"
bad "bad base64" r relayctl set relay0 peer 'not-a-key'
bad "short key" r relayctl set relay0 peer "$(printf '%041dA=' 1)"
bad "bad name" r relayctl set relay0 peer "$(key 1)" name 'a b'
bad "duplicate name" r relayctl set relay0 peer "$(key 9)" name home
bad "port 0" r relayctl set relay0 listen-port 0
bad "port 65536" r relayctl set relay0 listen-port 65536
bad "zero timeout" r relayctl set relay0 session-timeout 0
bad "unknown keyword" r relayctl set relay0 frobnicate 1
bad "unknown allowed peer" r relayctl set relay0 peer "$(key 1)" allowed-peers ghost
bad "unknown device" r relayctl set relay9 listen-port 1
r ip link add dummy0 type dummy
bad "other kind" r relayctl set dummy0 listen-port 1
bad "other kind down" r relayctl down dummy0
printf '[Relay]\nListenPort = 1\n[Peer]\nPublicKey = %s\nBogus = 1\n' "$(key 5)" >"$TMP/bad.conf"
bad "bad config line" r relayctl setconf relay0 "$TMP/bad.conf"
printf '[Peer]\nName = x\n' >"$TMP/bad2.conf"
bad "peer without key" r relayctl setconf relay0 "$TMP/bad2.conf"
bad "unprivileged set" r setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	relayctl set relay0 listen-port 4001
bad "unprivileged flush" r setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	relayctl flush relay0

step "two devices cannot share a port"
r ip link add relay1 type wgrelay
r relayctl set relay1 listen-port 4002
r ip link set relay1 up
port=$(state | sed -n 's/^ListenPort = //p')
r ip link set relay0 up
bad "shared port" r relayctl set relay1 listen-port "$port"
r relayctl down relay1

step "syncconf replaces peers, sparing the ones that stay"
printf '[Peer]\nPublicKey = %s\nName = home\n[Peer]\nPublicKey = %s\nName = new\n' \
	"$(key 1)" "$(key 7)" >"$TMP/sync.conf"
r relayctl syncconf relay0 "$TMP/sync.conf"
r relayctl show relay0 peers | tee "$TMP/peers"
assert_eq 2 "$(wc -l <"$TMP/peers")" "peers after syncconf"
grep -q "$(key 7)" "$TMP/peers"
assert_fails grep -q "$(key 2)" "$TMP/peers"
r relayctl addconf relay0 "$TMP/conf/relay0.conf"
assert_eq 3 "$(r relayctl show relay0 peers | wc -l)" "peers after addconf"

step "10,000 peers"
{
	echo "[Relay]"
	echo "ListenPort = 51820"
	for ((i = 1; i <= 10000; i++)); do
		printf '[Peer]\nPublicKey = %s\nName = p%d\nAllowedPeers = p%d\n' \
			"$(key $i)" "$i" $((i % 10000 + 1))
	done
} >"$TMP/big.conf"
r relayctl setconf relay0 "$TMP/big.conf"
assert_eq 10000 "$(r relayctl show relay0 peers | wc -l)" "peers listed"
state >"$TMP/big1"
assert_eq 10000 "$(grep -c '^\[Peer\]' "$TMP/big1")" "peers in showconf"
r relayctl setconf relay0 /dev/stdin <"$TMP/big1"
state >"$TMP/big2"
cmp "$TMP/big1" "$TMP/big2"
r relayctl show relay0 --json >"$TMP/big.json"
assert_eq 10000 "$(grep -o '"public_key"' "$TMP/big.json" | wc -l)" "peers in JSON"
# Balanced brackets and braces: a cheap validity check without a JSON parser here.
assert_eq "$(tr -cd '{' <"$TMP/big.json" | wc -c)" "$(tr -cd '}' <"$TMP/big.json" | wc -c)" "braces"
assert_eq "$(tr -cd '[' <"$TMP/big.json" | wc -c)" "$(tr -cd ']' <"$TMP/big.json" | wc -c)" "brackets"
r relayctl showconf relay0 | r relayctl syncconf relay0 /dev/stdin
r relayctl setconf relay0 "$TMP/sync.conf"
assert_eq 2 "$(r relayctl show relay0 peers | wc -l)" "peers after shrinking"

r relayctl down relay0
log "relayctl: all good"
