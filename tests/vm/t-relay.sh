#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The product: stock WireGuard on home (behind CGNAT and its router) and on the
# laptop (behind the hotel's NAT), each with nothing but Endpoint = the relay,
# reach each other through wgrelay on the vps. Then: the relay is reloaded under
# live traffic and peers recover; with short timeouts, sessions and bindings of
# peers that went away expire.
#
# timeout: 400

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cgnat.sh"
. "$(dirname "$0")/../lib/relay.sh"

cgnat_setup
wg_keys home laptop

step "the relay on the vps, provisioned with both public keys"
relay_up home laptop
n vps ip -d link show relay0
assert_ok listening vps udp "$RELAY_PORT"

step "home and laptop point their WireGuard at the relay"
wg_peers "$RELAY_EP" "$RELAY_EP"
wait_for 30 n laptop ping -c 1 -W 1 "${WG_ADDR[home]}"
ping_ok laptop "${WG_ADDR[home]}" 5
ping_ok home "${WG_ADDR[laptop]}" 5

step "the relay knows where both are, and holds their sessions"
show_relay
sessions=$(relay_sessions)
echo "$sessions"
assert_match "$CGNAT4:[0-9]+[[:space:]]+confirmed" "$sessions" "home's session endpoint"
assert_match "$HOTEL4:[0-9]+[[:space:]]+confirmed" "$sessions" "laptop's session endpoint"
json=$(n vps relayctl show relay0 --json)
assert_match '"binding_state": *"confirmed"' "$json" "a peer's binding in show --json"
assert_match "\"$CGNAT4:[0-9]+\"" "$json" "home's binding in show --json"
assert_match "\"$HOTEL4:[0-9]+\"" "$json" "laptop's binding in show --json"
assert_stat_ge confirms 1
# Both behind NAT, no static endpoint: each binding is live while its peer talks
# (and "proven" once a retry of its carried the relay's mac2).
assert_eq 2 "$(n vps relayctl show relay0 | grep -c 'binding: .*(live\(, proven\)\?)$')" \
	"bindings shown as live"
assert_match '"binding_status": *"live"' "$json" "a peer's binding status in show --json"
assert_eq 0 "$(relay_stat rx_invalid)" "rx_invalid"
# The peers see each other at the relay: nothing went around it.
assert_eq "$RELAY_EP" "$(wg_endpoint laptop home)" "laptop's endpoint for home"
assert_eq "$RELAY_EP" "$(wg_endpoint home laptop)" "home's endpoint for laptop"

step "iperf3 from the laptop to home through the relay"
before=$(relay_stat tx_packets)
bg home iperf3 -s -1 -B "${WG_ADDR[home]}"
wait_for 10 listening home tcp 5201
# A set amount, not a set time (a 3 s run relayed under 1,000 datagrams on a
# loaded machine). What home received, as iperf3's receiver line says, came
# through the relay: at least one datagram per 1,420 bytes (the tunnel's MTU).
# Not the 4 MiB the client wrote: it ends the test when it has written them,
# and what was still in flight is cut off (a slow guest relayed 1,602 once).
out=$(n laptop iperf3 -c "${WG_ADDR[home]}" -n 4M -f k)
tail -4 <<<"$out"
# Its unit is iperf3's choice whatever -f says: KBytes, MBytes...
kbytes=$(awk '/receiver/ { for (i = 2; i <= NF; i++) {
		m = $i == "Bytes" ? 1 / 1024 : $i == "KBytes" ? 1 : $i == "MBytes" ? 1024 : $i == "GBytes" ? 1048576 : 0
		if (m) { k = int($(i - 1) * m); break } } } END { print k }' <<<"$out")
if ! [[ $kbytes =~ ^[0-9]+$ ]] || ((kbytes == 0)); then
	fail "iperf3 reported no bytes received"
fi
after=$(relay_stat tx_packets)
((after - before >= kbytes * 1024 / 1420)) ||
	fail "relay tx_packets moved by $((after - before)) while home received $kbytes KB," \
		"expected at least $((kbytes * 1024 / 1420))"
log "relayed $((after - before)) datagrams while home received $kbytes KB"
n vps ip -s link show relay0

step "reload the relay module under live traffic"
bg laptop ping -q -i 0.2 -c 150 "${WG_ADDR[home]}"
sleep 1
n vps relayctl down relay0
rmmod wgrelay
assert_fails module_loaded wgrelay
modprobe wgrelay
n vps relayctl up "$TMP/relay0.conf"
start=$(date +%s)
wait_for 60 n laptop ping -c 1 -W 1 "${WG_ADDR[home]}"
log "connectivity back $(($(date +%s) - start)) s after the relay came back"
(( $(date +%s) - start <= 30 )) || fail "connectivity took more than 30 s to come back"
ping_ok home "${WG_ADDR[laptop]}" 3

step "peers go away: with short timeouts their sessions and bindings expire"
n vps relayctl set relay0 session-timeout 3 binding-timeout 4
assert_eq 3 "$(relay_stat session_timeout)" "session_timeout in sysfs"
n home ip link del "${WG_IF[home]}"
n laptop ip link del "${WG_IF[laptop]}"
wait_for 30 stat_is sessions 0
wait_for 30 no_confirmed_binding
show_relay
assert_stat_ge sessions_expired 2
assert_stat_ge bindings_expired 2

step "rmmod with a live relay device"
n vps relayctl show relay0 peers
rmmod wgrelay
assert_fails module_loaded wgrelay
assert_fails n vps ip link show relay0
