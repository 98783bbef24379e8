#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The fast path and a bridge on the vps with br_netfilter loaded (as Docker and
# most container hosts load it): the bridge runs the IPv4 PRE_ROUTING hooks, the
# fast path's among them, for frames it forwards from one of its ports to
# another, their packet type made PACKET_HOST for the while. Such a frame is
# another host's, whatever its IP destination says: the socket path never sees
# it, and the fast path must not take it either (never_fast() in fastpath.c).
#
# A peer (lan) on a bridge of the vps talks to home through the relay, its
# datagrams on the fast path. Then they go, still to the vps's address, in
# frames addressed to another host on that bridge (other), as anyone on the
# segment can send them: the bridge forwards them there, and the relay relays
# none of them, with its fast path on as with it off.
#
#   vps br1 198.51.100.1/24 --+-- lan   eth0 198.51.100.2 (WireGuard, with home)
#                             +-- other eth0 198.51.100.3
#
# kernels: one
# timeout: 240

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cgnat.sh"
. "$(dirname "$0")/../lib/relay.sh"

BR4=198.51.100.1 LAN4=198.51.100.2 OTHER4=198.51.100.3
WG_ADDR[lan]=172.31.0.8

# counters: tx_packets and fast_packets, on one line.
counters() { echo "$(relay_stat tx_packets) $(relay_stat fast_packets)"; }
# at_other: the relay's datagrams that reached other (its prerouting counter).
at_other() { n other nft list chain inet seen pre | grep -o 'packets [0-9]*' | awk '{ print $2 }'; }
mac_of() { n "$1" cat "/sys/class/net/$2/address"; }

step "a bridge on the vps, br_netfilter on it; lan talks to home through the relay"
cgnat_setup
ns_add lan other
n vps ip link add br1 type bridge
n vps ip link set br1 up
n vps ip addr add "$BR4/24" dev br1
for ns in lan other; do
	link vps "$ns" "$ns" eth0
	n vps ip link set "$ns" master br1
done
n lan ip addr add "$LAN4/24" dev eth0
n lan ip route add default via "$BR4"
n other ip addr add "$OTHER4/24" dev eth0
modprobe br_netfilter
# Per namespace on the lab's kernels; the bridge runs the hooks of its own.
n vps sysctl -qw net.bridge.bridge-nf-call-iptables=1
assert_eq 1 "$(n vps sysctl -n net.bridge.bridge-nf-call-iptables)" "bridge-nf-call-iptables"
# What reaches other for the relay's port, before anything can drop it.
n other nft -f - <<-EOF
	table inet seen {
		chain pre {
			type filter hook prerouting priority raw;
			udp dport $RELAY_PORT counter
		}
	}
EOF
# The bridge learns where other is.
n other ping -q -c 1 -W 2 "$BR4" >/dev/null

wg_keys home lan
relay_up home lan
wg_up home
wg_up lan
wg_mesh_peer home lan "$RELAY_EP"
wg_mesh_peer lan home "$RELAY_EP"
pair_works lan home

step "frames to the bridge's own address are the relay's: the fast path takes them"
read -r tx0 fast0 < <(counters)
n lan ping -q -c 20 -i 0.1 -W 2 "${WG_ADDR[home]}" | tail -2
# A late last reply may still be on its way through the relay (t-fastpath's relayed()).
sleep 1
read -r tx1 fast1 < <(counters)
log "20 pings: tx_packets +$((tx1 - tx0)), fast_packets +$((fast1 - fast0))"
((tx1 - tx0 >= 40)) || fail "20 answered pings moved tx_packets by only $((tx1 - tx0))"
# At most one datagram per peer and vCPU takes the socket path to fill the route cache.
((fast1 - fast0 >= tx1 - tx0 - 4)) || fail "only $((fast1 - fast0)) of $((tx1 - tx0)) took the fast path"
assert_eq 0 "$(at_other)" "the relay's datagrams at other"

step "the same datagrams in frames for other: the bridge forwards them, the relay takes none"
n lan ip neigh replace "$BR4" lladdr "$(mac_of other eth0)" dev eth0 nud permanent
for mode in on off; do
	n vps relayctl set relay0 fast-path "$mode"
	seen0=$(at_other) fast0=$(relay_stat fast_packets) rx0=$(relay_stat rx_packets)
	assert_fails n lan ping -c 10 -i 0.2 -W 1 "${WG_ADDR[home]}"
	seen=$(($(at_other) - seen0)) fast=$(($(relay_stat fast_packets) - fast0))
	rx=$(($(relay_stat rx_packets) - rx0))
	log "fast path $mode, 10 pings: at other +$seen, fast_packets +$fast, rx_packets +$rx"
	((seen >= 10)) || fail "only $seen of lan's 10 datagrams reached other (fast path $mode)"
	# home's keepalives to lan (one per 25 s) may pass meanwhile; nothing of lan's.
	((fast <= 1 && rx <= 1)) || fail "the relay took frames for other: fast +$fast, rx +$rx"
done

step "and to the bridge's address again, the pair talks on the fast path"
n vps relayctl set relay0 fast-path on
n lan ip neigh replace "$BR4" lladdr "$(mac_of vps br1)" dev eth0 nud permanent
read -r tx0 fast0 < <(counters)
ping_ok lan "${WG_ADDR[home]}" 10
read -r tx1 fast1 < <(counters)
log "10 pings: tx_packets +$((tx1 - tx0)), fast_packets +$((fast1 - fast0))"
((fast1 - fast0 >= 10)) || fail "the fast path took only $((fast1 - fast0)) datagrams"
assert_eq 0 "$(relay_stat tx_errors)" "tx_errors"
log "fast path behind a bridge: all good"
