#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# relayctl against the real module: every command, 10,000 peers, the showconf |
# setconf round trip, syncconf, remove, bad input that must fail with a message
# naming the problem and change nothing, and users without CAP_NET_ADMIN, who may
# neither change nor read anything. The device itself (ports, namespaces, sysfs,
# procfs, counters) is t-relayctl-device.sh. One namespace is enough here.
#
# timeout: 300

. "$(dirname "$0")/../lib/common.sh"

# The guest's devtmpfs has no /dev/stdin or /dev/fd (udev makes them on a real
# system); the round trips below read configs from a pipe.
[[ -e /dev/fd ]] || ln -s /proc/self/fd /dev/fd
[[ -e /dev/stdin ]] || ln -s /proc/self/fd/0 /dev/stdin

ns_add r
r() { n r "$@"; }

# state: what must not change when a bad command fails.
state() { r relayctl showconf relay0; }

# nobody CMD...: CMD in r as user nobody, which has no capabilities at all.
nobody() { r su -s /usr/bin/bash nobody -c "$(printf '%q ' "$@")"; }

# bad WHAT REGEX CMD...: CMD fails with a message on stderr that matches REGEX,
# prints nothing on stdout, and relay0 is unchanged.
bad() {
	local what=$1 re=$2 before after err
	shift 2
	before=$(state)
	if err=$("$@" 2>&1 >"$TMP/bad.out"); then
		fail "$what: '$*' succeeded"
	fi
	log "$what: $err"
	assert_match "$re" "$err" "$what: the error of '$*'"
	assert_empty_file "$TMP/bad.out" "$what: stdout of '$*'"
	after=$(state)
	assert_eq "$before" "$after" "$what: state after '$*'"
}

step "help, version, usage"
relayctl help | grep -q "relayctl set DEV"
relayctl version | grep -q '^relayctl 0\.'
assert_fails relayctl no-such-command
assert_fails relayctl show relay0 bogus
assert_eq "" "$(r relayctl show)" "show without devices"
assert_eq "[]" "$(r relayctl --json)" "--json without devices"

step "up from a config directory, show, flush, down"
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
r relayctl show | tee "$TMP/show"
grep -q '^interface: relay0$' "$TMP/show"
grep -q '^  listening port: 51820$' "$TMP/show"
grep -q '^  endpoint: 192.0.2.2:51820 (static)$' "$TMP/show"
grep -q '^  allowed peers: home$' "$TMP/show"
r relayctl show relay0 peers | tee "$TMP/peers"
assert_eq "$(key 1)	home
$(key 2)	laptop" "$(sort "$TMP/peers")" "show relay0 peers"
r relayctl show all peers | grep -q "^relay0	$(key 1)	home$"
r relayctl show relay0 stats >"$TMP/stats"
# One line per counter, and the same names as the files in sysfs.
assert_eq 42 "$(wc -l <"$TMP/stats")" "counters in show stats"
assert_eq "$(cut -f1 "$TMP/stats" | sort)" \
	"$(r ls /sys/class/net/relay0/wgrelay | grep -vxE 'listen_port|session_timeout|binding_timeout|max_sessions|discovery_fanout|roaming|fast_path|peers|sessions' | sort)" \
	"counter names in show stats and sysfs"
grep -q '^rx_invalid	0$' "$TMP/stats"
grep -q '^dev_xmit_drops	[0-9][0-9]*$' "$TMP/stats"
cat "$TMP/stats"
r relayctl show relay0 sessions | tee "$TMP/sessions"
assert_eq 1 "$(wc -l <"$TMP/sessions")" "show sessions: only the header"
grep -q '^index  *owner  *counterpart' "$TMP/sessions"
r relayctl show all --json | tee "$TMP/all.json"
assert_match '^\[\{"interface":"relay0","ifindex":[0-9]+,"listen_port":51820,' \
	"$(cat "$TMP/all.json")" "show all --json"
grep -q '"name":"laptop","endpoint":"192.0.2.2:51820","allowed_peers":\["'"$(key 1)"'"\]' \
	"$TMP/all.json"
# The same document, but for dev_xmit_drops: the kernel's own IPv6 router
# solicitations and MLD reports on relay0, a few seconds after it came up, may
# be dropped between the two calls.
no_xmit_drops() { sed 's/"dev_xmit_drops":[0-9]*//'; }
r relayctl --json | no_xmit_drops | cmp - <(no_xmit_drops <"$TMP/all.json")
assert_match '^\{"interface":"relay0","stats":\{"rx_packets":0,.*"sessions_evicted":0,"roams_contested":0,"events_lost":0,"fast_packets":0,"discovery_limited":0,"hs_cookie_withheld":0,"hs_cookie_probes":0,"hs_cookies_kept":0,"hs_initiator_cookies":0,"hs_response_stamps":0,"hs_response_stamp_withheld":0\}\}$' \
	"$(r relayctl show relay0 stats --json)" "show relay0 stats --json"
assert_eq '{"interface":"relay0","sessions":[]}' "$(r relayctl show relay0 sessions --json)" \
	"show relay0 sessions --json"
assert_match '^\{"interface":"relay0","peers":\[\{"public_key":"'"$(key 1)"'","name":"home"\},' \
	"$(r relayctl show relay0 peers --json)" "show relay0 peers --json"
r relayctl flush relay0
r relayctl flush relay0 sessions
r relayctl flush relay0 bindings
r relayctl flush relay0 all
assert_fails r relayctl flush relay0 everything
r relayctl down relay0
assert_fails r ip link show relay0
r relayctl up "$TMP/conf/relay0.conf"
r ip link show relay0 | grep -q ',UP'
# up on a device that exists reapplies the file: nothing is lost or duplicated.
r relayctl set relay0 peer "$(key 8)"
r relayctl up "$TMP/conf/relay0.conf"
assert_eq 2 "$(r relayctl show relay0 peers | wc -l)" "peers after a second up"

step "set: every keyword, clearing, remove"
r relayctl set relay0 listen-port 4000 session-timeout 60 binding-timeout 120 \
	max-sessions 1000 discovery-fanout 0 roaming off fast-path off \
	peer "$(key 3)" name far endpoint '[2001:db8::3]:5' allowed-peers "home,$(key 2)"
state | tee "$TMP/conf1"
assert_eq "[Relay]
ListenPort = 4000
SessionTimeout = 60
BindingTimeout = 120
MaxSessions = 1000
DiscoveryFanout = 0
Roaming = off
FastPath = off" "$(head -8 "$TMP/conf1")" "settings after set"
grep -q '^AllowedPeers = home, laptop$' "$TMP/conf1"
grep -q '^Endpoint = \[2001:db8::3\]:5$' "$TMP/conf1"
r relayctl set relay0 peer "$(key 3)" name '' endpoint '' allowed-peers ''
state | grep -A3 "$(key 3)" >"$TMP/p3"	# the last peer by key: nothing follows it
assert_eq 1 "$(wc -l <"$TMP/p3")" "peer 3 after clearing everything"
r relayctl set relay0 roaming on fast-path on peer "$(key 3)" remove
state >"$TMP/conf2"
assert_fails grep -q "$(key 3)" "$TMP/conf2"
grep -q '^Roaming = on$' "$TMP/conf2"
grep -q '^FastPath = on$' "$TMP/conf2"
# replace-peers: only the peers given remain.
r relayctl set relay0 replace-peers peer "$(key 1)" name home peer "$(key 2)" name laptop \
	endpoint 192.0.2.2:51820 allowed-peers home
state | cmp - "$TMP/conf2"

step "showconf | setconf round trip"
state >"$TMP/a"
r relayctl setconf relay0 /dev/stdin <"$TMP/a"
state | cmp - "$TMP/a"
# What a file omits goes back to its default under setconf, stays under addconf.
printf '[Relay]\nListenPort = 4000\n' >"$TMP/port-only.conf"
r relayctl addconf relay0 "$TMP/port-only.conf"
state | cmp - "$TMP/a"

step "bad input fails, says why, and changes nothing"
KEY_RE="not a base64 public key"
bad "bad base64" "invalid public key 'not-a-key': $KEY_RE" \
	r relayctl set relay0 peer 'not-a-key'
bad "short key" "invalid public key '$(printf '%041dA=' 1)': $KEY_RE" \
	r relayctl set relay0 peer "$(printf '%041dA=' 1)"
bad "bad key padding" "$KEY_RE" r relayctl set relay0 peer "$(printf '%042dB=' 1)"
bad "key twice" "given twice" r relayctl set relay0 peer "$(key 1)" peer "$(key 1)"
bad "bad name" "invalid name 'a b': must be 1-32 characters" \
	r relayctl set relay0 peer "$(key 1)" name 'a b'
bad "long name" "invalid name '$(printf 'x%.0s' {1..33})'" \
	r relayctl set relay0 peer "$(key 1)" name "$(printf 'x%.0s' {1..33})"
bad "duplicate name" "name 'home' would belong to two peers" \
	r relayctl set relay0 peer "$(key 9)" name home
bad "same name twice" "peer name 'x' given twice" \
	r relayctl set relay0 peer "$(key 8)" name x peer "$(key 9)" name x
bad "port 0" "invalid listen-port '0': must be a number from 1 to 65535" \
	r relayctl set relay0 listen-port 0
bad "port 65536" "invalid listen-port '65536': must be a number from 1 to 65535" \
	r relayctl set relay0 listen-port 65536
bad "negative port" "invalid listen-port '-1'" r relayctl set relay0 listen-port -1
bad "zero timeout" "invalid session-timeout '0': must be a number from 1 to 86400" \
	r relayctl set relay0 session-timeout 0
bad "zero binding timeout" "invalid binding-timeout '0'" \
	r relayctl set relay0 binding-timeout 0
bad "fanout too big" "invalid discovery-fanout '65'" r relayctl set relay0 discovery-fanout 65
bad "roaming maybe" "invalid roaming 'maybe': must be on or off" \
	r relayctl set relay0 roaming maybe
bad "fast-path maybe" "invalid fast-path 'maybe': must be on or off" \
	r relayctl set relay0 fast-path maybe
bad "unknown keyword" "unknown keyword 'frobnicate'" r relayctl set relay0 frobnicate 1
bad "keyword without value" "'listen-port' needs a value" r relayctl set relay0 listen-port
bad "setting after a peer" "'listen-port' must come before the first peer" \
	r relayctl set relay0 peer "$(key 1)" listen-port 5
bad "bad endpoint port" "invalid endpoint '192.0.2.1:0'" \
	r relayctl set relay0 peer "$(key 1)" endpoint 192.0.2.1:0
bad "bad endpoint" "invalid endpoint '\[192.0.2.1\]:5'" \
	r relayctl set relay0 peer "$(key 1)" endpoint '[192.0.2.1]:5'
bad "unknown allowed peer" "unknown peer 'ghost' in allowed peers" \
	r relayctl set relay0 peer "$(key 1)" allowed-peers ghost
bad "unknown device" "set relay9: no such device" r relayctl set relay9 listen-port 1
bad "show unknown device" "show relay9: no such device" r relayctl show relay9
r ip link add dummy0 type dummy
bad "other kind" "set dummy0: .*not a wgrelay device" r relayctl set dummy0 listen-port 1
bad "show other kind" "show dummy0: .*not a wgrelay device" r relayctl show dummy0
bad "showconf other kind" "showconf dummy0: .*not a wgrelay device" r relayctl showconf dummy0
bad "flush other kind" "flush dummy0: .*not a wgrelay device" r relayctl flush dummy0
bad "setconf other kind" "setconf dummy0: .*not a wgrelay device" \
	r relayctl setconf dummy0 "$TMP/a"
bad "down other kind" "down dummy0: not a wgrelay device \(its kind is 'dummy'\)" \
	r relayctl down dummy0
cp "$TMP/a" "$TMP/dummy0.conf"
bad "up other kind" "up dummy0: not a wgrelay device" r relayctl up "$TMP/dummy0.conf"
r ip link show dummy0 >/dev/null
printf '[Relay]\nListenPort = 1\n[Peer]\nPublicKey = %s\nBogus = 1\n' "$(key 5)" >"$TMP/bad.conf"
bad "bad config line" "bad.conf:5: unknown key 'Bogus'" r relayctl setconf relay0 "$TMP/bad.conf"
printf '[Peer]\nName = x\n' >"$TMP/bad2.conf"
bad "peer without key" "bad2.conf:1: \[Peer\] without a PublicKey" \
	r relayctl setconf relay0 "$TMP/bad2.conf"
printf '[Relay]\nListenPort = 70000\n' >"$TMP/bad3.conf"
bad "port in a file" "bad3.conf:2: invalid ListenPort '70000'" \
	r relayctl syncconf relay0 "$TMP/bad3.conf"
printf '[Peer]\nPublicKey = %s\nName = a\n[Peer]\nPublicKey = %s\nName = a\n' \
	"$(key 5)" "$(key 6)" >"$TMP/bad4.conf"
bad "duplicate name in a file" "bad4.conf:4: duplicate peer name 'a'" \
	r relayctl addconf relay0 "$TMP/bad4.conf"
bad "missing file" "no-such.conf: No such file or directory" \
	r relayctl setconf relay0 "$TMP/no-such.conf"
bad "up with a bad file" "bad.conf:5: unknown key 'Bogus'" r relayctl up "$TMP/bad.conf"
assert_fails r ip link show bad

step "without CAP_NET_ADMIN: no changes, no reads"
cp "$TMP/a" /tmp/public.conf
chmod 0644 /tmp/public.conf
at_exit "rm -f /tmp/public.conf"
PERM_RE="Operation not permitted.*CAP_NET_ADMIN"
bad "unprivileged set" "set relay0: $PERM_RE" nobody relayctl set relay0 listen-port 4001
bad "unprivileged peer" "set relay0: $PERM_RE" nobody relayctl set relay0 peer "$(key 9)"
bad "unprivileged setconf" "setconf relay0: $PERM_RE" \
	nobody relayctl setconf relay0 /tmp/public.conf
bad "unprivileged flush" "flush relay0: $PERM_RE" nobody relayctl flush relay0
bad "unprivileged show" "show relay0: $PERM_RE" nobody relayctl show relay0
bad "unprivileged show all" "show relay0: $PERM_RE" nobody relayctl show
bad "unprivileged sessions" "show relay0: $PERM_RE" nobody relayctl show relay0 sessions
bad "unprivileged showconf" "showconf relay0: $PERM_RE" nobody relayctl showconf relay0
bad "unprivileged down" "down relay0: Operation not permitted" nobody relayctl down relay0
bad "unprivileged up" "up public: Operation not permitted" nobody relayctl up /tmp/public.conf
assert_fails r ip link show public

step "syncconf replaces peers, sparing the ones that stay"
printf '[Peer]\nPublicKey = %s\nName = home\n[Peer]\nPublicKey = %s\nName = new\n' \
	"$(key 1)" "$(key 7)" >"$TMP/sync.conf"
r relayctl syncconf relay0 "$TMP/sync.conf"
r relayctl show relay0 peers | sort | tee "$TMP/peers"
assert_eq "$(key 1)	home
$(key 7)	new" "$(cat "$TMP/peers")" "peers after syncconf"
# Settings the file omits are back to their defaults, as under setconf.
state | head -7 | tee "$TMP/settings"
assert_eq "[Relay]
ListenPort = 51820
SessionTimeout = 180
BindingTimeout = 300
MaxSessions = 131072
DiscoveryFanout = 8
Roaming = on" "$(cat "$TMP/settings")" "settings after syncconf"
r relayctl syncconf relay0 "$TMP/sync.conf"
assert_eq "$(key 1)	home
$(key 7)	new" "$(r relayctl show relay0 peers | sort)" "peers after a second syncconf"
r relayctl addconf relay0 "$TMP/conf/relay0.conf"
assert_eq 3 "$(r relayctl show relay0 peers | wc -l)" "peers after addconf"

step "10,000 peers"
{
	echo "[Relay]"
	echo "ListenPort = 51820"
	for ((i = 1; i <= 10000; i++)); do
		printf '[Peer]\nPublicKey = %042dA=\nName = p%d\nAllowedPeers = p%d\n' \
			"$i" "$i" $((i % 10000 + 1))
	done
} >"$TMP/big.conf"
log "setconf"
r relayctl setconf relay0 "$TMP/big.conf"
log "show peers"
assert_eq 10000 "$(r relayctl show relay0 peers | wc -l)" "peers listed"
log "showconf"
state >"$TMP/big1"
assert_eq 10000 "$(grep -c '^\[Peer\]' "$TMP/big1")" "peers in showconf"
assert_eq 10000 "$(grep -c '^AllowedPeers = p[0-9]*$' "$TMP/big1")" "allowed peers by name"
log "setconf of showconf"
r relayctl setconf relay0 /dev/stdin <"$TMP/big1"
state | cmp - "$TMP/big1"
log "show --json"
r relayctl show relay0 --json >"$TMP/big.json"
assert_eq 10000 "$(grep -o '"public_key"' "$TMP/big.json" | wc -l)" "peers in JSON"
assert_eq 1 "$(grep -c '"num_peers":10000,' "$TMP/big.json")" "num_peers in JSON"
# Balanced brackets and braces: a cheap validity check without a JSON parser here.
assert_eq "$(tr -cd '{' <"$TMP/big.json" | wc -c)" "$(tr -cd '}' <"$TMP/big.json" | wc -c)" "braces"
assert_eq "$(tr -cd '[' <"$TMP/big.json" | wc -c)" "$(tr -cd ']' <"$TMP/big.json" | wc -c)" "brackets"
log "syncconf: nothing to change"
r relayctl showconf relay0 | r relayctl syncconf relay0 /dev/stdin
state | cmp - "$TMP/big1"
log "syncconf: 100 gone, 1 renamed, 2 changed"
# The result must be what setconf of the same file makes on a fresh device.
{
	for ((i = 1; i <= 9900; i++)); do
		name=p$i allowed=p$((i + 1))
		((i != 5)) || name=five
		((i != 4)) || allowed=five
		((i != 9900)) || allowed=p1
		printf '[Peer]\nPublicKey = %042dA=\nName = %s\nAllowedPeers = %s\n' "$i" "$name" "$allowed"
	done
} >"$TMP/big3"
r ip link add relay1 type wgrelay
r relayctl setconf relay1 "$TMP/big3"
r relayctl syncconf relay0 "$TMP/big3"
r relayctl showconf relay1 >"$TMP/big3.want"
state | cmp - "$TMP/big3.want"
assert_eq 9900 "$(r cat /sys/class/net/relay0/wgrelay/peers)" "peers in sysfs"
grep -q '^Name = five$' "$TMP/big3.want"
r ip link del relay1
log "shrink"
r relayctl setconf relay0 "$TMP/sync.conf"
assert_eq 2 "$(r relayctl show relay0 peers | wc -l)" "peers after shrinking"

r relayctl down relay0
assert_fails r ip link show relay0
log "relayctl: all good"
