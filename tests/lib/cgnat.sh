#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The CGNAT lab of LAB.md, built from network namespaces in one guest. Source after
# common.sh. Every piece is a function, so relay tests can build what they need.
#
#                        inet (bridge br0: 203.0.113.254/24, 2001:db8::fe/64)
#            +-------------------+--------------------------+
#           vps               cgnat                     hotelnat
#   203.0.113.1/24       wan0 203.0.113.2            wan0 203.0.113.3
#   2001:db8::1/64       lan0 100.64.0.1/10          lan0 10.0.0.1/24
#                             |   masquerade 100.64/10     |   masquerade 10.0.0/24
#                         homerouter                     laptop
#                        wan0 100.64.0.2/10          eth0 10.0.0.2/24
#                        lan0 192.168.1.1/24
#                             |   masquerade 192.168.1/24
#                           home
#                        eth0 192.168.1.2/24
#
# Each NAT box forwards only from its LAN and replies to that (conntrack
# established/related); its filtering is address-and-port dependent, as Linux
# conntrack's is. Nothing sent to a NAT box's public address from outside reaches
# the hosts behind it unless it answers a mapping they created.

VPS4=203.0.113.1 VPS6=2001:db8::1 INET4=203.0.113.254 INET6=2001:db8::fe
CGNAT4=203.0.113.2 HOTEL4=203.0.113.3
HOMEROUTER_WAN4=100.64.0.2 HOME4=192.168.1.2 LAPTOP4=10.0.0.2
LAB_NAMESPACES=(inet vps cgnat homerouter home hotelnat laptop)

# link NS1 IF1 NS2 IF2: a veth pair between two namespaces, both ends up.
link() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3"
	n "$1" ip link set "$2" up
	n "$3" ip link set "$4" up
}

# public NS IF ADDR4 [ADDR6]: attach NS to the Internet bridge with a public address.
public() {
	link inet "$1" "$1" "$2"
	n inet ip link set "$1" master br0
	n "$1" ip addr add "$3/24" dev "$2"
	n "$1" ip route add default via "$INET4"
	if [[ -n ${4:-} ]]; then
		n "$1" ip addr add "$4/64" dev "$2" nodad
		n "$1" ip -6 route add default via "$INET6"
	fi
}

# elsewhere NS PER NET...: a host NS on the Internet outside the lab's /24, with
# PER addresses (NET.1 to NET.PER) in each /24 NET (198.18.x), which the Internet
# router routes to it. The lab puts every other public address in one /24, as a
# CGNAT pool's users are; a test of what the relay gives each prefix needs
# senders in others.
elsewhere() {
	local ns=$1 per=$2 net i
	shift 2
	ns_add "$ns"
	link inet "$ns" "$ns" eth0
	n inet ip link set "$ns" master br0
	n inet sysctl -qw net.ipv4.ip_forward=1
	for net in "$@"; do
		n inet ip addr add "$net.254/24" dev br0
		for ((i = 1; i <= per; i++)); do
			n "$ns" ip addr add "$net.$i/24" dev eth0
		done
	done
	n "$ns" ip route add default via "$1.254"
}

# nat NS LAN_PREFIX: make NS a NAT router from LAN_PREFIX (on lan0) to wan0.
nat() {
	n "$1" sysctl -qw net.ipv4.ip_forward=1
	n "$1" nft -f - <<-EOT
		table ip nat {
			chain postrouting {
				type nat hook postrouting priority srcnat; policy accept;
				oifname "wan0" ip saddr $2 masquerade
			}
		}
		table inet filter {
			chain forward {
				type filter hook forward priority filter; policy drop;
				ct state established,related accept
				iifname "lan0" oifname "wan0" accept
			}
		}
	EOT
}

# behind ROUTER GATEWAY PREFIX HOST HOST_IF HOST_ADDR: HOST on ROUTER's LAN (lan0,
# PREFIX), ROUTER (at GATEWAY) its default route and masquerading the LAN.
behind() {
	local len=${3#*/}
	link "$1" lan0 "$4" "$5"
	n "$1" ip addr add "$2/$len" dev lan0
	nat "$1" "$3"
	n "$4" ip addr add "$6/$len" dev "$5"
	n "$4" ip route add default via "$2"
}

# cgnat_setup: build the whole topology.
cgnat_setup() {
	ns_add "${LAB_NAMESPACES[@]}"

	n inet ip link add br0 type bridge
	n inet ip link set br0 up
	n inet ip addr add "$INET4/24" dev br0
	n inet ip addr add "$INET6/64" dev br0 nodad

	public vps eth0 "$VPS4" "$VPS6"

	public cgnat wan0 "$CGNAT4"
	behind cgnat 100.64.0.1 100.64.0.0/10 homerouter wan0 "$HOMEROUTER_WAN4"
	behind homerouter 192.168.1.1 192.168.1.0/24 home eth0 "$HOME4"

	public hotelnat wan0 "$HOTEL4"
	behind hotelnat 10.0.0.1 10.0.0.0/24 laptop eth0 "$LAPTOP4"
}

# --- WireGuard on the lab's hosts --------------------------------------------------
#
# Tunnel addresses: home 172.31.0.1, laptop 172.31.0.2, a hub on the vps 172.31.0.254.
# WG_IF[NS] is the WireGuard interface of NS: wg0 for the kernel's, "wg-NS" for
# wireguard-go (its control socket /var/run/wireguard/NAME.sock is shared by all
# namespaces, so names must be unique). WG_IMPL[NS]=go picks wireguard-go for NS.

declare -gA WG_IF=() WG_IMPL=() WG_PUB=() WG_KEY=()
declare -gA WG_ADDR=([home]=172.31.0.1 [laptop]=172.31.0.2 [vps]=172.31.0.254)
WG_PORT=51820
WG_KEEPALIVE=${WG_KEEPALIVE:-25}

# wg_keys NAME...: generate a key pair per NAME into WG_KEY[NAME] (a file), WG_PUB[NAME].
wg_keys() {
	local name
	for name; do
		WG_KEY[$name]=$TMP/$name.key
		(umask 077 && wg genkey >"${WG_KEY[$name]}")
		WG_PUB[$name]=$(wg pubkey <"${WG_KEY[$name]}")
	done
}

# wg_up NS [LISTEN_PORT]: a WireGuard interface in NS with NS's key and tunnel address.
wg_up() {
	local ns=$1 ifname
	[[ -n ${WG_KEY[$ns]:-} ]] || wg_keys "$ns"
	if [[ ${WG_IMPL[$ns]:-kernel} == go ]]; then
		ifname=wg-$ns
		modprobe tun
		bg "$ns" env WG_PROCESS_FOREGROUND=1 LOG_LEVEL=error wireguard-go "$ifname"
		wait_for 10 test -S "/var/run/wireguard/$ifname.sock"
	else
		ifname=wg0
		n "$ns" ip link add "$ifname" type wireguard
	fi
	WG_IF[$ns]=$ifname
	n "$ns" wg set "$ifname" private-key "${WG_KEY[$ns]}" ${2:+listen-port "$2"}
	n "$ns" ip addr add "${WG_ADDR[$ns]}/24" dev "$ifname"
	n "$ns" ip link set "$ifname" up
}

# wg_peer NS PEER ALLOWED_IPS [ENDPOINT]: NS learns PEER's key; with ENDPOINT, NS
# also keeps its NAT mappings open towards it (persistent keepalive).
wg_peer() {
	n "$1" wg set "${WG_IF[$1]}" peer "${WG_PUB[$2]}" allowed-ips "$3" \
		${4:+endpoint "$4" persistent-keepalive "$WG_KEEPALIVE"}
}

# wg_peers HOME_ENDPOINT LAPTOP_ENDPOINT: home and laptop as peers of each other,
# each sending to the given endpoint (a relay, a faked port forward, ...).
wg_peers() {
	wg_up home
	wg_up laptop
	wg_peer home laptop "${WG_ADDR[laptop]}/32" "$1"
	wg_peer laptop home "${WG_ADDR[home]}/32" "$2"
}

# wg_hub: the usual workaround: a WireGuard hub on the vps that decrypts and
# re-encrypts everything between home and laptop.
wg_hub() {
	n vps sysctl -qw net.ipv4.ip_forward=1
	wg_up vps "$WG_PORT"
	wg_up home
	wg_up laptop
	wg_peer vps home "${WG_ADDR[home]}/32"
	wg_peer vps laptop "${WG_ADDR[laptop]}/32"
	wg_peer home vps 172.31.0.0/24 "$VPS4:$WG_PORT"
	wg_peer laptop vps 172.31.0.0/24 "$VPS4:$WG_PORT"
}

# wg_endpoint NS PEER: the endpoint NS currently has for PEER ("(none)" if none).
wg_endpoint() {
	n "$1" wg show "${WG_IF[$1]}" endpoints | awk -v k="${WG_PUB[$2]}" '$1 == k { print $2 }'
}

# --- Plain UDP probes ----------------------------------------------------------------


# udp_sink NS PORT: record each datagram NS receives on UDP PORT as a line
# "SRC_ADDR:SRC_PORT PAYLOAD" in the file $TMP/NS.PORT.
udp_sink() {
	local f=$TMP/$1.$2
	: >"$f"
	# socat forks a child per datagram and tells it the sender in its environment.
	# shellcheck disable=SC2016 # expanded by that child
	echo 'echo "$SOCAT_PEERADDR:$SOCAT_PEERPORT $(cat)" >>"$1"' >"$TMP/udp_record.sh"
	bg "$1" socat -u "UDP4-RECVFROM:$2,reuseaddr,fork" EXEC:"bash $TMP/udp_record.sh $f"
	wait_for 5 listening "$1" udp "$2"
}

# udp_send NS ADDR PORT PAYLOAD [SOURCE_PORT]: send one datagram from NS.
udp_send() {
	echo "$4" | n "$1" socat -u - "UDP4-SENDTO:$2:$3${5:+,sourceport=$5,reuseaddr}"
}
