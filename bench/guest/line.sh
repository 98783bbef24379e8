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
# The second flow of the scaling runs: a second pair, on ports of its own.
GEN2_PORT=40003 SINK2_PORT=40004
# The interleaved runs' forwarded flow (alt_run): a port of its own, so that the
# sink tells it from the relayed flow, or from a second forwarded one.
ALT_PORT=40005
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

# line_relay_session [TIMEOUT]: relay0 on mid; stock WireGuard on gen and sink
# complete real handshakes through it and send data, two pairs: gen (port
# GEN_PORT) with sink (SINK_PORT), gen2 (GEN2_PORT) with sink2 (SINK2_PORT), the
# second pair's interfaces wg1 in the same two namespaces. Then the interfaces
# go, and the relay keeps the learned sessions. Sets DATA_INDEX and DATA_INDEX2:
# the receiver indices of data for sink and sink2, as /proc/net/wgrelay prints
# them.
line_relay_session() {
	local k
	for k in gen sink gen2 sink2; do
		(umask 077 && wg genkey >"$TMP/$k.key")
		wg pubkey <"$TMP/$k.key" >"$TMP/$k.pub"
	done
	{
		printf '[Relay]\nListenPort = %s\nSessionTimeout = %s\n' "$RELAY_PORT" "${1:-3600}"
		printf '\n[Peer]\nPublicKey = %s\nName = gen\n' "$(cat "$TMP/gen.pub")"
		printf '\n[Peer]\nPublicKey = %s\nName = sink\nEndpoint = %s\n' \
			"$(cat "$TMP/sink.pub")" "$SINK4:$SINK_PORT"
		printf '\n[Peer]\nPublicKey = %s\nName = gen2\n' "$(cat "$TMP/gen2.pub")"
		printf '\n[Peer]\nPublicKey = %s\nName = sink2\nEndpoint = %s\n' \
			"$(cat "$TMP/sink2.pub")" "$SINK4:$SINK2_PORT"
	} >"$TMP/relay0.conf"
	n mid relayctl up "$TMP/relay0.conf"
	line_wg_pair wg0 gen sink "$GEN_PORT" "$SINK_PORT" 172.31.9
	line_wg_pair wg1 gen2 sink2 "$GEN2_PORT" "$SINK2_PORT" 172.31.10
	n mid cat /proc/net/wgrelay
	DATA_INDEX=$(line_index sink) DATA_INDEX2=$(line_index sink2)
	for k in wg0 wg1; do
		n gen ip link del "$k"
		n sink ip link del "$k"
	done
}

# line_wg_pair IF GEN SINK GEN_PORT SINK_PORT NET: interface IF in gen (key GEN)
# and in sink (key SINK), each other's peers through the relay, addresses NET.1
# and NET.2; gen reaches sink (the relay knows sink's static endpoint).
line_wg_pair() {
	n gen ip link add "$1" type wireguard
	n sink ip link add "$1" type wireguard
	n gen wg set "$1" private-key "$TMP/$2.key" listen-port "$4" \
		peer "$(cat "$TMP/$3.pub")" allowed-ips "$6.2/32" endpoint "$MID_GEN4:$RELAY_PORT"
	n sink wg set "$1" private-key "$TMP/$3.key" listen-port "$5" \
		peer "$(cat "$TMP/$2.pub")" allowed-ips "$6.1/32" endpoint "$MID_SINK4:$RELAY_PORT"
	n gen ip addr add "$6.1/24" dev "$1"
	n sink ip addr add "$6.2/24" dev "$1"
	n gen ip link set "$1" up
	n sink ip link set "$1" up
	try 30 n gen ping -c 1 -W 1 "$6.2"
	n gen ping -q -c 3 -i 0.2 "$6.2" >/dev/null
}

# line_index NAME: the receiver index of data for peer NAME.
line_index() {
	local idx
	idx=$(n mid awk -v k="$(cat "$TMP/$1.pub")" '$3 == k { print $2 }' /proc/net/wgrelay)
	[[ -n $idx ]] || fail "no session for $1 in /proc/net/wgrelay"
	echo "$idx"
}

# mid_fast_path on|off: the relay's fast path. Off for every run that is not its
# own: its hook sees every datagram of mid's namespace, the routed and the
# DNATed ones too, and a baseline must not pay for it in some rounds only.
mid_fast_path() { n mid relayctl set relay0 fast-path "$1"; }

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

# pps_run2 LABEL TO_ADDR TO_PORT INDEX TO_PORT2 INDEX2 SIZE SECONDS: two flows at
# once, gen's from GEN_PORT on CPU 0 and from GEN2_PORT on CPU 1, each counted by
# a sink of its own on the other CPU. Prints "RESULT LABEL pps=..." with their
# sum.
pps_run2() {
	local a b
	n sink taskset -c 1 wgr-load sink "$SINK_PORT" $(($8 + 20)) >"$TMP/sink.out" &
	a=$!
	n sink taskset -c 0 wgr-load sink "$SINK2_PORT" $(($8 + 20)) >"$TMP/sink2.out" &
	b=$!
	wait_for 5 listening sink udp "$SINK_PORT"
	wait_for 5 listening sink udp "$SINK2_PORT"
	n gen taskset -c 0 wgr-load data "$GEN4" "$GEN_PORT" "$2" "$3" "$4" "$7" "$8" >/dev/null &
	n gen taskset -c 1 wgr-load data "$GEN4" "$GEN2_PORT" "$2" "$5" "$6" "$7" "$8" >/dev/null
	wait "$a" "$b" "$!"
	echo "RESULT $1 pps=$(awk '{ s += $8 } END { printf "%.0f", s }' "$TMP/sink.out" "$TMP/sink2.out")" \
		"flow1=$(awk '{ print $8 }' "$TMP/sink.out") flow2=$(awk '{ print $8 }' "$TMP/sink2.out")"
}

# alt_run LABEL SIZE SECONDS SLICE_MS FIRST B: IP forwarding (flow a, from
# ALT_PORT) and B in turn inside one run of one generator and one sink, SLICE_MS
# each, flow FIRST (a or b) first (wgr-load alt): the host's drift, which moves
# whole runs by up to 2x, hits both alike. B is "relay" (the relay's session, from
# GEN_PORT, as it learned it) or "same" (forwarding again, from GEN_PORT: the
# method's own bias, which should read 1.00x). The sink tells the flows apart by
# source (forwarded datagrams keep gen's, relayed ones come from mid's relay
# port); each rate is what arrived over the time the generator spent on it.
# Prints "RESULT LABEL SIZE forward_pps=... other_pps=... slices=...".
alt_run() {
	local sent got to_b=$SINK4:$SINK_PORT idx_b=0 from_b=$GEN4:$GEN_PORT line
	if [[ $6 == relay ]]; then
		to_b=$MID_GEN4:$RELAY_PORT idx_b=$DATA_INDEX from_b=$MID_SINK4:$RELAY_PORT
	fi
	n sink taskset -c 1 wgr-load sinks "$SINK_PORT" $(($3 + 20)) >"$TMP/sink.out" &
	local sink_pid=$!
	wait_for 5 listening sink udp "$SINK_PORT"
	sent=$(n gen taskset -c 0 wgr-load alt "$GEN4" "$2" "$3" "$4" "$5" \
		"$ALT_PORT" "$SINK4:$SINK_PORT" 0 "$GEN_PORT" "$to_b" "$idx_b")
	wait "$sink_pid"
	got=$(cat "$TMP/sink.out")
	line=$(awk -v label="$1 $2" -v sent="$sent" -v a_src="$GEN4:$ALT_PORT" -v b_src="$from_b" '
		NR == 1 { total = $2 }
		$1 == "from" { if ($2 == a_src) a = $4; else if ($2 == b_src) b = $4; else other += $4 }
		END {
			split(sent, s, " ")
			if (a > 0 && b > 0 && s[4] > 0 && s[8] > 0 && other == 0 && a + b == total)
				printf "RESULT %s forward_pps=%.0f other_pps=%.0f slices=%d\n", label, a / s[4], b / s[8], s[10]
		}' <<<"$got")
	[[ -n $line ]] || fail "alt_run $*: the sink's count does not split into the two flows: $sent / $got"
	echo "$line"
}
