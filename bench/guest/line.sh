#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A three-namespace line for the engine benchmarks: gen -- mid -- sink, no NAT.
# Whatever mid does (route, DNAT, relay) is the only thing that changes between
# runs. Source after /tests/lib/common.sh.
#
#   gen  eth0 10.201.1.2/24  ---  mid eth0 10.201.1.1/24
#                                 mid eth1 10.201.2.1/24  ---  sink eth0 10.201.2.2/24

GEN4=10.201.1.2 MID_GEN4=10.201.1.1 MID_SINK4=10.201.2.1 SINK4=10.201.2.2
GEN_PORT=40001 SINK_PORT=40002 RELAY_PORT=51820 DNAT_PORT=51821
# Sources of forged initiations (not configured anywhere: the generator sends raw).
SRC_BASE=10.99.0.1

# try N CMD...: run CMD up to N times, 0.2 s apart, until it succeeds.
try() {
	local i
	for ((i = 0; i < $1; i++)); do
		"${@:2}" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	fail "gave up after $1 tries: ${*:2}"
}

line_setup() {
	ns_add gen mid sink
	ip link add eth0 netns gen type veth peer name eth0 netns mid
	ip link add eth0 netns sink type veth peer name eth1 netns mid
	n gen ip link set eth0 up
	n sink ip link set eth0 up
	n mid ip link set eth0 up
	n mid ip link set eth1 up
	n gen ip addr add "$GEN4/24" dev eth0
	n mid ip addr add "$MID_GEN4/24" dev eth0
	n mid ip addr add "$MID_SINK4/24" dev eth1
	n sink ip addr add "$SINK4/24" dev eth0
	n gen ip route add default via "$MID_GEN4"
	n sink ip route add default via "$MID_SINK4"
	n mid ip route add 10.99.0.0/16 via "$GEN4"
	n mid sysctl -qw net.ipv4.ip_forward=1
}

# line_relay_session: relay0 on mid; stock WireGuard on gen (port GEN_PORT) and sink
# (port SINK_PORT), both pointed at the relay, complete a real handshake and send
# data; then their interfaces go, and the relay keeps the learned session. Sets
# DATA_INDEX: the receiver index of data for sink, as /proc/net/wgrelay prints it.
line_relay_session() {
	local k
	for k in gen sink; do
		(umask 077 && wg genkey >"$TMP/$k.key")
		wg pubkey <"$TMP/$k.key" >"$TMP/$k.pub"
	done
	printf '[Relay]\nListenPort = %s\nSessionTimeout = %s\n\n[Peer]\nPublicKey = %s\nName = gen\n\n[Peer]\nPublicKey = %s\nName = sink\nEndpoint = %s\n' \
		"$RELAY_PORT" "${1:-3600}" "$(cat "$TMP/gen.pub")" "$(cat "$TMP/sink.pub")" "$SINK4:$SINK_PORT" >"$TMP/relay0.conf"
	n mid relayctl up "$TMP/relay0.conf"
	n gen ip link add wg0 type wireguard
	n sink ip link add wg0 type wireguard
	n gen wg set wg0 private-key "$TMP/gen.key" listen-port "$GEN_PORT" \
		peer "$(cat "$TMP/sink.pub")" allowed-ips 172.31.9.2/32 endpoint "$MID_GEN4:$RELAY_PORT"
	n sink wg set wg0 private-key "$TMP/sink.key" listen-port "$SINK_PORT" \
		peer "$(cat "$TMP/gen.pub")" allowed-ips 172.31.9.1/32 endpoint "$MID_SINK4:$RELAY_PORT"
	n gen ip addr add 172.31.9.1/24 dev wg0
	n sink ip addr add 172.31.9.2/24 dev wg0
	n gen ip link set wg0 up
	n sink ip link set wg0 up
	# The relay knows where sink is (its static endpoint): gen's initiation goes there.
	try 30 n gen ping -c 1 -W 1 172.31.9.2
	n gen ping -q -c 3 -i 0.2 172.31.9.2 >/dev/null
	n mid cat /proc/net/wgrelay
	DATA_INDEX=$(n mid awk -v k="$(cat "$TMP/sink.pub")" '$3 == k { print $2 }' /proc/net/wgrelay)
	[[ -n $DATA_INDEX ]] || fail "no session for sink in /proc/net/wgrelay"
	n gen ip link del wg0
	n sink ip link del wg0
}

# pps_run LABEL TO_ADDR TO_PORT INDEX SIZE SECONDS: send from gen, count at sink.
# Prints "RESULT LABEL pps=... sent_pps=...".
pps_run() {
	local out sent
	# gen (and mid's softirq work, which runs in gen's sendmmsg on the same CPU)
	# on CPU 0, sink on CPU 1: the sink's wake-ups do not take CPU 0's time.
	n sink taskset -c 1 wgr-load sink "$SINK_PORT" $(($6 + 20)) >"$TMP/sink.out" &
	local sink_pid=$!
	wait_for 5 listening sink udp "$SINK_PORT"
	sent=$(n gen taskset -c 0 wgr-load data "$GEN4" "$GEN_PORT" "$2" "$3" "$4" "$5" "$6")
	wait "$sink_pid"
	out=$(cat "$TMP/sink.out")
	echo "RESULT $1 pps=$(awk '{ print $8 }' <<<"$out") received=$(awk '{ print $2 }' <<<"$out") sent_pps=$(awk '{ print $6 }' <<<"$sent")"
}
