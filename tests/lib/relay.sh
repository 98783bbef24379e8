#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# wgrelay on the lab's vps. Source after common.sh and cgnat.sh.

RELAY_PORT=51820
RELAY_EP=$VPS4:$RELAY_PORT

# relay_conf FILE NAME...: a relay config with one [Peer] per NAME (its WG_PUB key).
# Extra "[Relay]" lines come from RELAY_SETTINGS, extra lines for a peer NAME from
# RELAY_PEER_EXTRA[NAME].
declare -gA RELAY_PEER_EXTRA=()
relay_conf() {
	local file=$1 name
	shift
	{
		printf '[Relay]\nListenPort = %s\n' "$RELAY_PORT"
		[[ -z ${RELAY_SETTINGS:-} ]] || printf '%s\n' "$RELAY_SETTINGS"
		for name; do
			printf '\n[Peer]\nPublicKey = %s\nName = %s\n' "${WG_PUB[$name]}" "$name"
			[[ -z ${RELAY_PEER_EXTRA[$name]:-} ]] || printf '%s\n' "${RELAY_PEER_EXTRA[$name]}"
		done
	} >"$file"
}

# relay_up NAME...: relay0 on the vps, provisioned with the peers NAME... by relayctl.
relay_up() {
	wg_keys_missing "$@"
	relay_conf "$TMP/relay0.conf" "$@"
	n vps relayctl up "$TMP/relay0.conf"
}

# wg_keys_missing NAME...: keys for the names that have none yet.
wg_keys_missing() {
	local name
	for name; do
		[[ -n ${WG_KEY[$name]:-} ]] || wg_keys "$name"
	done
}

# relay_stat NAME: one of relay0's counters or settings, from sysfs.
relay_stat() { n vps cat "/sys/class/net/relay0/wgrelay/$1"; }

# relay_sessions: the session table from procfs, without its header.
relay_sessions() { n vps tail -n +2 /proc/net/wgrelay; }

# ping_ok NS ADDR [COUNT]: NS reaches ADDR; prints ping's summary.
ping_ok() {
	n "$1" ping -q -c "${3:-3}" -i 0.2 -W 2 "$2" | tail -2
}

# assert_stat_ge NAME MIN: relay0's counter NAME is at least MIN.
assert_stat_ge() {
	local v
	v=$(relay_stat "$1")
	((v >= $2)) || fail "counter $1: expected at least $2, got $v"
}

# show_relay: what an operator sees.
show_relay() {
	n vps relayctl show relay0
	echo
	n vps relayctl show relay0 sessions
}

# stat_is NAME VALUE: relay0's counter NAME equals VALUE now (for wait_for).
stat_is() { [[ $(relay_stat "$1") == "$2" ]]; }

# no_confirmed_binding: no peer of relay0 has a confirmed (live or stale) binding
# (for wait_for).
no_confirmed_binding() { ! n vps relayctl show relay0 | grep -qE "binding: .*\((live|stale)"; }

# --- More hosts for multi-peer scenarios ---------------------------------------------

# behind_nat NAT NS NET: host NS on a LAN of its own (NET.0/24, NS at NET.2) behind
# the NAT box NAT, masqueraded to NAT's public address like NAT's other LAN.
behind_nat() {
	local nat=$1 ns=$2 net=$3
	ns_add "$ns"
	link "$nat" "l-$ns" "$ns" eth0
	n "$nat" ip addr add "$net.1/24" dev "l-$ns"
	n "$ns" ip addr add "$net.2/24" dev eth0
	n "$ns" ip route add default via "$net.1"
	n "$nat" nft add rule ip nat postrouting oifname wan0 ip saddr "$net.0/24" masquerade
	n "$nat" nft add rule inet filter forward iifname "l-$ns" oifname wan0 accept
}

# ipv6_only NS ADDR6: host NS on the Internet with nothing but an IPv6 address.
ipv6_only() {
	ns_add "$1"
	link inet "$1" "$1" eth0
	n inet ip link set "$1" master br0
	n "$1" ip -6 addr add "$2/64" dev eth0 nodad
	n "$1" ip -6 route add default via "$INET6"
}

# wg_mesh_peer NS PEER ENDPOINT: NS talks to PEER through ENDPOINT with keepalives.
wg_mesh_peer() { wg_peer "$1" "$2" "${WG_ADDR[$2]}/32" "$3"; }

# pair_works A B: A and B ping each other over WireGuard (retrying for a handshake).
pair_works() {
	wait_for 40 n "$1" ping -c 1 -W 1 "${WG_ADDR[$2]}"
	n "$2" ping -q -c 2 -i 0.2 -W 2 "${WG_ADDR[$1]}" >/dev/null
}

# --- Trust model v2 (tests/vm/t-trust-*.sh) ------------------------------------------

# binding_ep NAME: peer NAME's binding endpoint from "relayctl show relay0 --json"
# ("(none)" without one). Both the "binding_endpoint" field of trust model v1's
# relayctl and a "binding" string are understood; the guest has no jq.
binding_ep() {
	local ep
	ep=$(n vps relayctl show relay0 --json | tr -d '\n' | sed 's/{"public_key"/\n&/g' |
		grep -F "\"name\":\"$1\"" | head -1 |
		grep -o '"binding\(_endpoint\)\?":\("[^"]*"\|null\)' | head -1 |
		sed 's/^[^:]*://; s/"//g')
	[[ -n $ep && $ep != null ]] && echo "$ep" || echo "(none)"
}

# binding_line NAME: the "binding:" line of peer NAME in relayctl show (for logs).
binding_line() {
	n vps relayctl show relay0 | awk -v n="$1" '$1 == "name:" { f = ($2 == n) }
		f && $1 == "binding:" { $1 = ""; print substr($0, 2); exit }'
}

# relay_stat0 NAME: like relay_stat, but 0 for a counter this build does not have,
# so that a test fails on behaviour, not on a missing file.
relay_stat0() { n vps cat "/sys/class/net/relay0/wgrelay/$1" 2>/dev/null || echo 0; }

# trust_counters: the counters trust model v2 added, and some it relies on.
trust_counters() {
	local s
	for s in bindings_kept hs_pair_routed hs_collisions ttl_drops loop_drops confirms \
		roams hs_ratelimited hs_unsolicited discovery_fwd; do
		printf '%s=%s ' "$s" "$(relay_stat0 $s)"
	done
	echo
}

# session_of OWNER COUNTERPART: "INDEX COUNTER" of OWNER's most recently active
# confirmed session with COUNTERPART, from /proc/net/wgrelay (index in hex, as
# printed there); nothing if there is none.
session_of() {
	relay_sessions | awk -v o="${WG_PUB[$1]}" -v c="${WG_PUB[$2]}" '
		$3 == o && $4 == c && $6 == "confirmed" && (best == "" || $7 < idle) {
			idle = $7; best = $2 " " $8 }
		END { if (best != "") print best }'
}

# ping_record NS ADDR COUNT FILE: in the background, NS pings ADDR once a second,
# COUNT times, into FILE. Sets BG_PID.
ping_record() {
	bg "$1" ping -n -i 1 -W 1 -c "$3" "$2" >"$4" 2>&1
}

# ping_report FILE COUNT [MAX_MS]: "RECEIVED MAX_GAP" of a ping_record: replies
# received within MAX_MS (default 2000: WireGuard holds packets while it
# handshakes, and a reply 14 s late is an outage), and the longest run of
# consecutive sequence numbers without one.
ping_report() {
	sed -n 's/.*icmp_seq=\([0-9]*\) .*time=\([0-9.]*\) ms.*/\1 \2/p' "$1" |
		awk -v max="${3:-2000}" '$2 + 0 <= max { print $1 }' | sort -n -u |
		awk -v count="$2" '{ got++; if ($1 - last - 1 > gap) gap = $1 - last - 1; last = $1 }
			END { if (count - last > gap) gap = count - last; print got + 0, gap + 0 }'
}

# watch_bindings SECONDS PEER...: for SECONDS, every 5 s, compare each PEER's
# binding endpoint with BOUND[PEER]; log the first move of each, and keep the
# lines in MOVED.
declare -gA BOUND=()
watch_bindings() {
	local secs=$1 start=$SECONDS p ep
	local -A seen=()
	shift
	MOVED=()
	while ((SECONDS - start < secs)); do
		for p; do
			ep=$(binding_ep "$p")
			if [[ $ep != "${BOUND[$p]}" && -z ${seen[$p]:-} ]]; then
				seen[$p]=1
				MOVED+=("$p's binding moved from ${BOUND[$p]} to $ep after $((SECONDS - start)) s: $(binding_line "$p")")
				log "${MOVED[-1]}"
			fi
		done
		sleep 5
	done
}
