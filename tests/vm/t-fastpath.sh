#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The fast path (module/fastpath.c): data on a confirmed session is relayed at
# PRE_ROUTING, before the IP stack delivers it, over IPv4 and IPv6; it is
# counted as the socket path counts it; `relayctl set relay0 fast-path off`
# puts every datagram back on the socket path; a firewall on the vps that
# drops the relay's port in its input chain stops new sessions (and, with the
# fast path off, everything), while a raw prerouting rule stops everything, and
# an output rule sees the fast path's datagrams as the socket path's, and a
# postrouting rule sees no way in for them, as for the socket path's. The
# relayed IPv4 datagrams carry no DF and identifiers that none of the relay's
# others to the same receiver repeat, from either path. A datagram
# whose UDP checksum is still to compute (from a sender on the same machine) is
# sent on with the relay's own instructions for it, and arrives verified. A peer on
# the vps itself (its own WireGuard, as in the ingress recipe) sends over
# loopback from the vps's address, then from another of the vps's addresses (one
# the vps had when the relay first saw it there, then one it took since, as an
# address or as a local route), and over IPv6; an attacker who spoofs any of them from outside, on that peer's
# live index with fresh counters, gets nothing relayed: the kernel drops such a
# source as a martian, and the fast path, which comes before that check, must
# not take it first.
#
# The peers compute their UDP checksums in software (ethtool tx off), so that
# the relayed datagrams arrive with real checksums, not veth's deferred ones:
# the receivers verify what the fast path's incremental updates made of them.
#
# timeout: 300

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cgnat.sh"
. "$(dirname "$0")/../lib/relay.sh"

LAPTOP6=2001:db8::20 PHONE6=2001:db8::21 ATTACKER4=203.0.113.66 VPS_WG_PORT=51821
VPS_ALT4=203.0.113.9 ATTACKER6=2001:db8::66
cgnat_setup
ns_add attacker
public attacker eth0 "$ATTACKER4"
ipv6_only laptop6 "$LAPTOP6"
ipv6_only phone6 "$PHONE6"
WG_ADDR[laptop6]=172.31.0.6 WG_ADDR[phone6]=172.31.0.7
wg_keys home laptop laptop6 phone6 vps

# counters: tx_packets and fast_packets, on one line.
counters() { echo "$(relay_stat tx_packets) $(relay_stat fast_packets)"; }
# csum_errors NS: UDP datagrams NS dropped for a bad checksum.
csum_errors() { n "$1" awk '/^Udp:/ && ++n == 2 { print $7 }' /proc/net/snmp; }
# relayed A B COUNT: A pings B COUNT times; print how far tx_packets and
# fast_packets moved meanwhile ("TX FAST").
relayed() {
	local tx0 fast0 tx1 fast1
	read -r tx0 fast0 < <(counters)
	n "$1" ping -q -c "$3" -i 0.1 -W 2 "${WG_ADDR[$2]}" >/dev/null || true
	# ping gives up on a late last reply after twice the slowest round trip, and
	# a loaded guest may still be relaying it: a second for it. (A deadline, -w,
	# would send more pings for lost ones, and wait out the steps meant to drop.)
	sleep 1
	read -r tx1 fast1 < <(counters)
	echo "$((tx1 - tx0)) $((fast1 - fast0))"
}

step "relay up (fast path on by default); the peers checksum in software"
RELAY_PEER_EXTRA[vps]="Endpoint = $VPS4:$VPS_WG_PORT"
relay_up home laptop laptop6 phone6 vps
assert_eq 1 "$(relay_stat fast_path)" "fast_path in sysfs"
assert_match 'fast path: on' "$(n vps relayctl show relay0)" "relayctl show"
assert_match '"fast_path": *true' "$(n vps relayctl show relay0 --json)" "show --json"
for ns in home laptop laptop6 phone6; do
	n "$ns" ethtool -K eth0 tx off >/dev/null
done
csum0=$(csum_errors home)
wg_peers "$RELAY_EP" "$RELAY_EP"
wg_up laptop6
wg_up phone6
wg_mesh_peer laptop6 phone6 "[$VPS6]:$RELAY_PORT"
wg_mesh_peer phone6 laptop6 "[$VPS6]:$RELAY_PORT"
pair_works laptop home
pair_works laptop6 phone6

step "IPv4: a confirmed session's data takes the fast path"
read -r tx fast < <(relayed laptop home 20)
log "20 pings: tx_packets +$tx, fast_packets +$fast"
((tx >= 40)) || fail "20 answered pings moved tx_packets by only $tx"
# A CPU whose route cache is empty sends its first datagram on the socket path,
# which fills it: at most one per peer and vCPU.
((fast >= tx - 4)) || fail "only $fast of $tx relayed datagrams took the fast path"
bg home iperf3 -s -1 -B "${WG_ADDR[home]}"
wait_for 10 listening home tcp 5201
read -r tx0 fast0 < <(counters)
n laptop iperf3 -c "${WG_ADDR[home]}" -n 1M | tail -2
read -r tx1 fast1 < <(counters)
log "iperf3: tx_packets +$((tx1 - tx0)), fast_packets +$((fast1 - fast0))"
((fast1 - fast0 >= tx1 - tx0 - 4)) || fail "iperf3's datagrams did not take the fast path"
assert_eq "$csum0" "$(csum_errors home)" "home's UDP checksum errors"
assert_eq 0 "$(csum_errors laptop)" "the laptop's UDP checksum errors"

step "the counters are the socket path's: sysfs, ip -s link, the sessions"
a=$(relay_stat rx_packets)
ip_rx=$(n vps ip -s -j link show relay0 | grep -o '"rx":{"bytes":[0-9]*,"packets":[0-9]*' | grep -o '[0-9]*$')
b=$(relay_stat rx_packets)
((a <= ip_rx && ip_rx <= b)) || fail "ip -s link's rx packets $ip_rx is not sysfs's ($a..$b)"
# Every relayed datagram is on a session half: their packets add up to tx_packets
# less what was sent on no session (handshakes and discovery copies).
n vps relayctl show relay0 sessions | head -6
assert_eq 0 "$(relay_stat tx_errors)" "tx_errors"
assert_eq 0 "$(relay_stat rx_invalid)" "rx_invalid"

step "IPv6: so does data between two IPv6 peers"
read -r tx fast < <(relayed laptop6 phone6 20)
log "20 pings: tx_packets +$tx, fast_packets +$fast"
((tx >= 40)) || fail "20 answered pings moved tx_packets by only $tx"
((fast >= tx - 4)) || fail "only $fast of $tx relayed IPv6 datagrams took the fast path"
assert_eq 0 "$(csum_errors phone6)" "phone6's UDP checksum errors"

step "fast-path off: the socket path relays everything"
n vps relayctl set relay0 fast-path off
assert_eq 0 "$(relay_stat fast_path)" "fast_path in sysfs"
assert_match 'FastPath = off' "$(n vps relayctl showconf relay0)" "showconf"
read -r tx fast < <(relayed laptop home 20)
log "20 pings: tx_packets +$tx, fast_packets +$fast"
((tx >= 40)) || fail "20 answered pings moved tx_packets by only $tx with the fast path off"
assert_eq 0 "$fast" "fast_packets with the fast path off"
n vps relayctl set relay0 fast-path on
assert_eq 1 "$(relay_stat fast_path)" "fast_path in sysfs"

step "a firewall drops the relay's port in its input chain"
n vps nft -f - <<-EOF
	table inet fw {
		chain input {
			type filter hook input priority 0;
			udp dport $RELAY_PORT drop
		}
	}
EOF
read -r tx fast < <(relayed laptop home 10)
log "10 pings: tx_packets +$tx, fast_packets +$fast"
# Every vCPU's route cache was filled with the fast path off above.
((tx >= 10)) || fail "a confirmed session stopped at the input chain: tx_packets +$tx"
((fast == tx)) || fail "$((tx - fast)) of $tx datagrams passed the input chain's drop"
log "a new session cannot start: laptop6 forgets phone6 and handshakes again"
n laptop6 wg set "${WG_IF[laptop6]}" peer "${WG_PUB[phone6]}" remove
wg_mesh_peer laptop6 phone6 "[$VPS6]:$RELAY_PORT"
assert_fails n laptop6 ping -c 3 -W 1 "${WG_ADDR[phone6]}"
log "with the fast path off, nothing passes"
n vps relayctl set relay0 fast-path off
assert_fails n laptop ping -c 3 -W 1 "${WG_ADDR[home]}"
n vps nft delete table inet fw
n vps relayctl set relay0 fast-path on
pair_works laptop6 phone6
ping_ok laptop "${WG_ADDR[home]}" 3

step "a raw prerouting rule (priority -300) comes before the fast path"
n vps nft -f - <<-EOF
	table inet rawfw {
		chain pre {
			type filter hook prerouting priority raw;
			udp dport $RELAY_PORT drop
		}
	}
EOF
read -r tx fast < <(relayed laptop home 5)
assert_eq "0 0" "$tx $fast" "datagrams relayed through a raw prerouting drop"
n vps nft delete table inet rawfw
ping_ok laptop "${WG_ADDR[home]}" 3

step "a datagram whose checksum is still to be computed gets the relay's own seed"
# The laptop's datagrams now reach the vps with their UDP checksum still to
# compute (CHECKSUM_PARTIAL over veth, as from a tap's sender), and the vps's
# eth0 computes none: the stack computes it at the relay's egress from where
# and with what the fast path says, and home verifies the result.
n laptop ethtool -K eth0 tx on >/dev/null
n vps ethtool -K eth0 tx off >/dev/null
csum0=$(csum_errors home)
read -r tx fast < <(relayed laptop home 20)
log "20 pings: tx_packets +$tx, fast_packets +$fast"
((tx >= 40)) || fail "20 answered pings moved tx_packets by only $tx"
((fast >= tx - 4)) || fail "only $fast of $tx relayed datagrams took the fast path"
assert_eq "$csum0" "$(csum_errors home)" "home's UDP checksum errors"
n laptop ethtool -K eth0 tx off >/dev/null
n vps ethtool -K eth0 tx on >/dev/null

step "an outbound rule sees the fast path's datagrams, as it sees the socket path's"
# The relay's datagrams to home's NAT are dropped on their way out: with the
# fast path skipping OUTPUT, the laptop would still reach home.
n vps nft -f - <<-EOF
	table inet outfw {
		chain output {
			type filter hook output priority 0;
			ip daddr $CGNAT4 udp sport $RELAY_PORT counter drop
		}
	}
EOF
read -r tx fast < <(relayed laptop home 5)
log "5 pings: tx_packets +$tx, fast_packets +$fast"
((fast >= 1)) || fail "the fast path took none of the laptop's datagrams"
assert_fails n laptop ping -c 3 -W 1 "${WG_ADDR[home]}"
dropped=$(n vps nft list chain inet outfw output | grep -o 'packets [0-9]*' | awk '{ print $2 }')
log "dropped in OUTPUT: $dropped"
# The laptop's five pings, at least: each went out to home's NAT.
((dropped >= 5)) || fail "OUTPUT dropped only $dropped of the datagrams relayed to home"
n vps nft delete table inet outfw
ping_ok laptop "${WG_ADDR[home]}" 3
log "and in POSTROUTING they have no way in, as the socket path's have none"
n vps nft -f - <<-EOF
	table inet postfw {
		chain post {
			type filter hook postrouting priority 0;
			udp sport $RELAY_PORT iifname "eth0" counter
		}
	}
EOF
read -r tx fast < <(relayed laptop home 10)
log "10 pings: tx_packets +$tx, fast_packets +$fast"
((fast >= 10)) || fail "the fast path took only $fast of the laptop's datagrams"
with_iif=$(n vps nft list chain inet postfw post | grep -o 'packets [0-9]*' | awk '{ print $2 }')
assert_eq 0 "$with_iif" "relayed datagrams that POSTROUTING saw come in on eth0"
n vps nft delete table inet postfw
assert_eq 0 "$(relay_stat tx_errors)" "tx_errors"

step "a spoof of the vps's own address on its peer's live index is not relayed"
# The vps's WireGuard sends to the relay at $VPS4 from $VPS4 (over loopback,
# which the fast path leaves alone). No persistent keepalive on its side, so
# that nothing but the attacker's datagrams could move its counter far.
wg_up vps "$VPS_WG_PORT"
n vps wg set "${WG_IF[vps]}" peer "${WG_PUB[home]}" allowed-ips "${WG_ADDR[home]}/32" \
	endpoint "$VPS4:$RELAY_PORT"
wg_mesh_peer home vps "$RELAY_EP"
pair_works vps home
# endpoint_in OWNER PARTNER: OWNER's endpoint in its confirmed session with
# PARTNER, as the relay has it ("ADDR:PORT" or "[ADDR6]:PORT").
endpoint_in() {
	relay_sessions | awk -v o="${WG_PUB[$1]}" -v c="${WG_PUB[$2]}" \
		'$3 == o && $4 == c && $6 == "confirmed" { print $5; exit }'
}
# addr_of ENDPOINT: its address, without brackets.
addr_of() { local a=${1%:*}; a=${a#[}; echo "${a%]}"; }

# spoof_vps SRC PARTNER WARM RELAY: the attacker sends, from outside, data on
# the vps's live index with PARTNER, spoofed from SRC (the vps's endpoint in that
# session, on the vps's WireGuard port) to the relay's address RELAY: none of it
# may be relayed as the vps's. WARM is a peer in session with PARTNER too.
spoof_vps() {
	local idx counter idx2 counter2 widx wcounter warm_ep cpu fast0 rx0 fast rx
	read -r idx counter < <(session_of "$2" vps)
	[[ -n ${idx:-} ]] || fail "no confirmed session of $2 with the vps: $(relay_sessions)"
	log "the vps's data reaches $2 on index $idx, its counter there $counter"
	# The fast path takes a datagram only on a CPU that has the route to its
	# receiver cached, and the spoofs, dropped as martians on the socket path,
	# never fill it: so that nothing but the rule under test can refuse them,
	# the attacker first sends on each vCPU what the relay does relay to
	# PARTNER, data spoofed from WARM's endpoint on WARM's session with it
	# (PARTNER's WireGuard drops it: the relay cannot tell, and relays it).
	read -r widx wcounter < <(session_of "$2" "$3")
	warm_ep=$(endpoint_in "$3" "$2")
	[[ -n $widx && -n $warm_ep ]] || fail "no confirmed session of $2 with $3: $(relay_sessions)"
	for cpu in 0 1; do
		n attacker taskset -c "$cpu" wgr-forge spoof "$(addr_of "$warm_ep")" "${warm_ep##*:}" \
			"$4" "$RELAY_PORT" "data=$widx:$((wcounter + 100000 + 10 * cpu))" 2
	done
	fast0=$(relay_stat fast_packets) rx0=$(relay_stat rx_packets)
	for cpu in 0 1; do
		n attacker taskset -c "$cpu" wgr-forge spoof "$1" "$VPS_WG_PORT" "$4" "$RELAY_PORT" \
			"data=$idx:$((counter + 1000 + 10 * cpu))" 10
	done
	sleep 1
	read -r idx2 counter2 < <(session_of "$2" vps)
	fast=$(($(relay_stat fast_packets) - fast0)) rx=$(($(relay_stat rx_packets) - rx0))
	log "20 datagrams spoofed from $1: fast_packets +$fast, rx_packets +$rx, the vps's counter $counter2"
	assert_eq "$idx" "$idx2" "$2's index for the vps"
	# The keepalives of the other pairs may pass meanwhile, a few of them; the
	# spoofed counters start 1000 above the vps's own.
	((counter2 < counter + 1000)) || fail "a datagram spoofed from $1 was relayed as the vps's (counter $counter2)"
	((fast < 10)) || fail "the fast path took the datagrams spoofed from $1: fast_packets +$fast"
}
spoof_vps "$VPS4" home laptop "$VPS4"
ping_ok vps "${WG_ADDR[home]}" 3

step "the relay's IPv4 identifiers: its own, none repeated, from either path"
# Both paths clear DF, so that a datagram fragmented on its way can still be
# reassembled: the receiver (or its NAT) tells fragments apart by identifier,
# per source and destination, so none it gets from the relay may repeat another,
# whichever path sent it: both draw from the kernel's generator. The kernel
# skips a random few between its draws a jiffy or more apart, which hides
# identifiers drawn some other way (a block of them handed out but not reserved
# failed only in the second part, session 28): so both paths also send to home
# at once, the laptop's datagrams on the fast path and the vps's own (over
# loopback) on the socket path, each many a jiffy.
# The generator skips at most as many as the jiffies since its last draw: it
# takes minutes to come round its 16 bits, so no identifier repeats here on its own.
bg vps tcpdump -i eth0 -U -n -Z root -w "$TMP/ids.pcap" \
	"udp and src host $VPS4 and src port $RELAY_PORT and dst host $CGNAT4" 2>"$TMP/ids.err"
capture_pid=$BG_PID
wait_for 10 test -s "$TMP/ids.pcap"
# ids: "ID FLAGS" of each datagram captured so far.
ids() {
	tcpdump -r "$TMP/ids.pcap" -nn -v 2>/dev/null |
		sed -n 's/.*, id \([0-9]*\), offset [0-9]*, flags \[\([^]]*\)\].*/\1 \2/p'
}
# answered NS COUNT INTERVAL: NS pings home COUNT times; print how many were
# answered (ping fails when one is not: the count says how many).
answered() {
	{ n "$1" ping -q -c "$2" -i "$3" -W 2 "${WG_ADDR[home]}" || true; } |
		awk '/received/ { print $4 }'
}
sent=0
for mode in on off on off on; do
	n vps relayctl set relay0 fast-path "$mode"
	read -r tx fast < <(relayed laptop home 15)
	log "fast path $mode: 15 pings: tx_packets +$tx, fast_packets +$fast"
	if [[ $mode == on ]]; then
		((fast >= 10)) || fail "the fast path took only $fast datagrams"
	else
		assert_eq 0 "$fast" "fast_packets with the fast path off"
	fi
	# Half of what the relay sent went to home: the requests.
	sent=$((sent + tx / 2))
done
# The laptop's datagrams that took the socket path meet the input chain.
n vps nft -f - <<-EOF
	table inet idin {
		chain input {
			type filter hook input priority 0;
			ip saddr $HOTEL4 udp dport $RELAY_PORT counter
		}
	}
EOF
answered vps 300 0.005 >"$TMP/vps-pings" &
vps_pings=$!
got=$(answered laptop 300 0.005)
wait "$vps_pings" || true
sleep 1
slow=$(nft_packets vps inet idin input)
n vps nft delete table inet idin
log "both at once: the laptop's $got and the vps's $(cat "$TMP/vps-pings") of 300 pings answered; $slow of the laptop's datagrams took the socket path"
((got >= 100)) || fail "only $got of the laptop's 300 pings were answered"
# Each vCPU's route cache was filled above: none should; a rekey's handshake
# and the new session's first datagrams may.
((slow <= 8)) || fail "$slow of the laptop's datagrams took the socket path"
sent=$((sent + got + $(cat "$TMP/vps-pings")))
# Each answered ping's request went to home (and in the first part, half of
# what the relay sent). tcpdump under TCG writes well behind the kernel's
# capture: wait for them all before stopping it.
for ((i = 0; i < 150; i++)); do
	(($(ids | wc -l) >= sent)) && break
	sleep 0.2
done
kill "$capture_pid"
wait "$capture_pid" 2>/dev/null || true
ids >"$TMP/ids"
log "$(wc -l <"$TMP/ids") datagrams to home's NAT, $sent requests relayed to it; tcpdump: $(grep -h dropped "$TMP/ids.err" | tr '\n' ' ')"
# A capture that lost some (a busy guest) still judges what it holds; half at least.
(($(wc -l <"$TMP/ids") * 2 >= sent)) || fail "the capture holds under half the requests relayed to home"
assert_eq "" "$(awk '$2 != "none"' "$TMP/ids" | head -3)" "datagrams with a flag set (DF)"
assert_eq "" "$(awk '{ print $1 }' "$TMP/ids" | sort | uniq -d | head -5 | tr '\n' ' ')" \
	"identifiers repeated"

step "and nor is a spoof of the other address of the vps's that its WireGuard sends from"
# The local route to the relay's address now prefers a second address of the
# vps as the source: the vps's WireGuard still comes over loopback, and the
# relay sees it roam there. From outside, that address is a martian for the
# socket path, as the first one was; the fast path, which comes before that
# check, must know it for the vps's own without a lookup per datagram.
n vps ip addr add "$VPS_ALT4/32" dev eth0
n vps ip route replace local "$VPS4" dev eth0 table local proto kernel scope host src "$VPS_ALT4"
log "$(n vps ip route get "$VPS4")"
# WireGuard keeps the source it last sent from until its endpoint is set again.
n vps wg set "${WG_IF[vps]}" peer "${WG_PUB[home]}" endpoint "$VPS4:$RELAY_PORT"
ping_ok vps "${WG_ADDR[home]}" 3
assert_eq "$VPS_ALT4:$VPS_WG_PORT" "$(endpoint_in vps home)" "the vps's endpoint in its session with home"
spoof_vps "$VPS_ALT4" home laptop "$VPS4"
ping_ok vps "${WG_ADDR[home]}" 3

# restart_without_alt: the relay goes down (saving its sessions) and up again
# (restoring them) while the second address is gone: the vps's session comes
# back at $VPS_ALT4, no address of the vps's then. (The local route goes back to
# its own source first: deleting an address deletes the routes that prefer it.)
restart_without_alt() {
	n vps ip route replace local "$VPS4" dev eth0 table local proto kernel scope host src "$VPS4"
	n vps relayctl down relay0
	n vps ip addr del "$VPS_ALT4/32" dev eth0
	n vps relayctl up "$TMP/relay0.conf"
	assert_eq "$VPS_ALT4:$VPS_WG_PORT" "$(endpoint_in vps home)" "the vps's restored endpoint"
}

step "an address the vps takes after the relay saw its peer there: the relay learns it"
restart_without_alt
n vps ip addr add "$VPS_ALT4/32" dev eth0
n vps ip route replace local "$VPS4" dev eth0 table local proto kernel scope host src "$VPS_ALT4"
# At once, before the vps's WireGuard says anything from there.
spoof_vps "$VPS_ALT4" home laptop "$VPS4"
n vps wg set "${WG_IF[vps]}" peer "${WG_PUB[home]}" endpoint "$VPS4:$RELAY_PORT"
ping_ok vps "${WG_ADDR[home]}" 3

step "and one it takes by a local route, no address: its peer's own datagrams tell"
# A local route (AnyIP) makes an address the vps's without an interface address,
# and so without the notice an address gives: the vps's WireGuard speaks from it
# over loopback, from the same endpoint (no roam), and the relay learns it then.
restart_without_alt
n vps ip route add local "$VPS_ALT4/32" dev lo
n vps ip route replace local "$VPS4" dev eth0 table local proto kernel scope host src "$VPS_ALT4"
n vps wg set "${WG_IF[vps]}" peer "${WG_PUB[home]}" endpoint "$VPS4:$RELAY_PORT"
ping_ok vps "${WG_ADDR[home]}" 3
assert_eq "$VPS_ALT4:$VPS_WG_PORT" "$(endpoint_in vps home)" "the vps's endpoint after it spoke"
spoof_vps "$VPS_ALT4" home laptop "$VPS4"
ping_ok vps "${WG_ADDR[home]}" 3

step "over IPv6, a spoof of the vps's own address is not relayed either"
# The vps's WireGuard reaches phone6 through the relay at $VPS6, from $VPS6
# over loopback; the attacker spoofs that address from outside. phone6 gets no
# endpoint for the vps, so that the vps initiates: over IPv6 (phone6 would
# reach the vps's binding, its IPv4 endpoint).
n attacker ip -6 addr add "$ATTACKER6/64" dev eth0 nodad
n vps wg set "${WG_IF[vps]}" peer "${WG_PUB[phone6]}" allowed-ips "${WG_ADDR[phone6]}/32" \
	endpoint "[$VPS6]:$RELAY_PORT"
wg_peer phone6 vps "${WG_ADDR[vps]}/32"
pair_works vps phone6
assert_eq "[$VPS6]:$VPS_WG_PORT" "$(endpoint_in vps phone6)" "the vps's endpoint in its session with phone6"
spoof_vps "$VPS6" phone6 laptop6 "$VPS6"
ping_ok vps "${WG_ADDR[phone6]}" 3
log "fast path: all good"
