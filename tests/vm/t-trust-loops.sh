#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Never to itself, and loops die (trust model v2, DESIGN.md 2.3). Five attacks on
# the relay's own address and on sources no host sends from, each bounded, each
# from the lab's own namespaces:
#
#  (a) Peers provisioned with a static endpoint that is the relay's own socket
#      address (203.0.113.1:51820 and [2001:db8::1]:51820). An attacker sends 3
#      initiations for each: none is sent anywhere. loop_drops counts each, and the
#      relay receives only the attacker's datagrams (a copy sent to itself would
#      come back in as one more).
#  (b) Datagrams spoofed from the relay's own address (raw sockets: initiations
#      for home from 203.0.113.1:51820, 203.0.113.1:12345 and [2001:db8::1]:51820),
#      with the vps accepting local source addresses on eth0 (accept_local), as a
#      misconfigured VPS would, from an IPv6 address the vps is taking (still
#      tentative: duplicate address detection under way), and from the subnet-
#      router anycast address that the vps answers at once it forwards IPv6
#      ([2001:db8::]:4322), and from an address of a prefix the vps has a local
#      route for (AnyIP, [2001:db8:77::5]:4323): each is dropped and counted in
#      loop_drops.
#  (c) Initiations for home spoofed from a source no host sends from: IPv6's
#      IPv4-mapped (the relay's own IPv4 address and another's), unspecified and
#      IPv4-compatible addresses, port 0 (IPv4 and IPv6), and the relay's subnet
#      broadcast address with rp_filter off (the kernel lets that one through
#      then). Each is dropped and counted in rx_invalid, not taken as a handshake
#      from an endpoint that nobody, or a whole link, would answer at.
#  (e) A spoofed roam of each of a talking pair to that broadcast address (data
#      with the live index and a fresh counter) is refused (rx_no_session), as is
#      one to the vps's own address taken from outside (accept_local on), and
#      initiations for a peer whose static endpoint is that address are not sent
#      (tx_errors): tcpdump sees nothing leave for it, and the pair goes on.
#  (d) TTL: the hotel's NAT box rewrites the TTL of the laptop's datagrams to the
#      relay. At 10, the copies the relay sends on to home leave the vps with TTL
#      9; at 200, with 64 (min(arriving - 1, 64)). At 1, data on the live session is
#      dropped and counted in ttl_drops, and the laptop's pings get no answer.
#
# Trust model v1 sends (a)'s copies to itself, forwards (b)'s, and relays every
# datagram with TTL 64 whatever it arrived with.
#
# timeout: 240
# kernels: one

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cgnat.sh"
. "$(dirname "$0")/../lib/relay.sh"

ATTACKER4=203.0.113.66 ATTACKER6=2001:db8::66
cgnat_setup
ns_add attacker
public attacker eth0 "$ATTACKER4" "$ATTACKER6"
wg_keys home laptop loop4 loop6 bcast4
RELAY_PEER_EXTRA[loop4]="Endpoint = $VPS4:$RELAY_PORT"
RELAY_PEER_EXTRA[loop6]="Endpoint = [$VPS6]:$RELAY_PORT"
RELAY_PEER_EXTRA[bcast4]="Endpoint = ${VPS4%.*}.255:$RELAY_PORT"
relay_up home laptop loop4 loop6 bcast4
n vps relayctl showconf relay0
wait_for 10 n attacker ping -6 -c 1 -W 1 "$VPS6"
failures=()
check() { # WHAT CONDITION...: record a failure unless CONDITION holds
	local what=$1
	shift
	if "$@"; then log "ok: $what"; else failures+=("$what"); log "FAILED: $what"; fi
}

step "(a) initiations for peers whose static endpoint is the relay itself"
for p in loop4 loop6; do
	addr=$VPS4
	[[ $p == loop6 ]] && addr=$VPS6
	rx0=$(relay_stat rx_packets) loops0=$(relay_stat0 loop_drops) tx0=$(relay_stat tx_packets)
	n attacker wgr-forge initiation "$addr" "$RELAY_PORT" 3 2 "${WG_PUB[$p]}"
	sleep 1
	rx=$(($(relay_stat rx_packets) - rx0)) loops=$(($(relay_stat0 loop_drops) - loops0))
	tx=$(($(relay_stat tx_packets) - tx0))
	log "$p ($addr): received $rx, relayed $tx, loop_drops +$loops"
	check "$p: the relay received only the attacker's 3 initiations (got $rx)" eval "((rx == 3))"
	check "$p: nothing relayed (relayed $tx)" eval "((tx == 0))"
	check "$p: loop_drops counted the 3 (got +$loops)" eval "((loops >= 3))"
done

step "(b) datagrams spoofed from the relay's own address"
n vps sysctl -qw net.ipv4.conf.eth0.accept_local=1
# An address the vps is taking: tentative while duplicate address detection
# runs (200 probes a second apart, which nobody answers here).
VPS6_DAD=2001:db8::77
n vps sysctl -qw net.ipv6.conf.eth0.dad_transmits=200
n vps ip -6 addr add "$VPS6_DAD/64" dev eth0
log "$(n vps ip -6 addr show dev eth0 to "$VPS6_DAD")"
# A forwarding vps answers at its prefix's subnet-router anycast address.
VPS6_ANY=2001:db8::
n vps sysctl -qw net.ipv6.conf.all.forwarding=1
wait_for 10 eval "n vps ip -6 route show table local | grep -q '^anycast $VPS6_ANY '"
# A prefix the vps answers at as its own without an address on it (AnyIP).
VPS6_ANYIP=2001:db8:77::
n vps ip -6 route add local "$VPS6_ANYIP/64" dev lo
for src in "$VPS4 $RELAY_PORT" "$VPS4 12345" "$VPS6 $RELAY_PORT" "$VPS6_DAD 4321" \
	"$VPS6_ANY 4322" "${VPS6_ANYIP}5 4323"; do
	read -r saddr sport <<<"$src"
	daddr=$VPS4
	[[ $saddr == *:* ]] && daddr=$VPS6
	rx0=$(relay_stat rx_packets) loops0=$(relay_stat0 loop_drops) tx0=$(relay_stat tx_packets)
	n attacker wgr-forge spoof "$saddr" "$sport" "$daddr" "$RELAY_PORT" initiation 3 "${WG_PUB[home]}"
	sleep 1
	rx=$(($(relay_stat rx_packets) - rx0)) loops=$(($(relay_stat0 loop_drops) - loops0))
	tx=$(($(relay_stat tx_packets) - tx0))
	log "from $saddr:$sport: received $rx, relayed $tx, loop_drops +$loops"
	check "spoofed from $saddr:$sport: the relay received them (got $rx)" eval "((rx >= 3))"
	check "spoofed from $saddr:$sport: loop_drops counted the 3 (got +$loops)" eval "((loops >= 3))"
done
n vps sysctl -qw net.ipv4.conf.eth0.accept_local=0
n vps ip -6 addr del "$VPS6_DAD/64" dev eth0
n vps sysctl -qw net.ipv6.conf.all.forwarding=0

step "(c) datagrams from a source no host sends from"
# Nothing else speaks yet: any handshake counter that moves moved for these.
hs_counted() { echo $(($(relay_stat0 hs_initiations) + $(relay_stat0 hs_no_route) +
	$(relay_stat0 discovery_fwd) + $(relay_stat0 cookies_sent) + $(relay_stat0 hs_ratelimited))); }
# The subnet's broadcast address passes the vps's IP input as a source when
# rp_filter is off (it only refuses the interfaces' own addresses then).
n vps ip addr replace "$VPS4/24" brd + dev eth0
n vps sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.eth0.rp_filter=0
log "$(n vps ip route show table local type broadcast)"
for src in "::ffff:$VPS4 $RELAY_PORT" "::ffff:$ATTACKER4 4444" ":: 5555" "::192.0.2.7 5555" \
	"$ATTACKER6 0" "$ATTACKER4 0" "${VPS4%.*}.255 5555"; do
	read -r saddr sport <<<"$src"
	daddr=$VPS4
	[[ $saddr == *:* ]] && daddr=$VPS6
	rx0=$(relay_stat rx_packets) inv0=$(relay_stat0 rx_invalid) hs0=$(hs_counted)
	n attacker wgr-forge spoof "$saddr" "$sport" "$daddr" "$RELAY_PORT" initiation 3 "${WG_PUB[home]}"
	sleep 1
	rx=$(($(relay_stat rx_packets) - rx0)) inv=$(($(relay_stat0 rx_invalid) - inv0))
	hs=$(($(hs_counted) - hs0))
	log "from $saddr port $sport: received $rx, rx_invalid +$inv, handshake counters +$hs"
	check "spoofed from $saddr port $sport: the relay received them (got $rx)" eval "((rx >= 3))"
	check "spoofed from $saddr port $sport: rx_invalid counted the 3 (got +$inv)" eval "((inv >= 3))"
	check "spoofed from $saddr port $sport: not taken as handshakes (counters +$hs)" eval "((hs == 0))"
done

step "(d) TTL: home and the laptop talk; the hotel's NAT rewrites the laptop's TTL"
wg_peers "$RELAY_EP" "$RELAY_EP"
pair_works laptop home
n hotelnat nft add table ip ttl
n hotelnat nft add chain ip ttl post '{ type filter hook postrouting priority mangle; }'
# relayed_ttls TTL: set the laptop's datagrams to arrive with TTL; print the TTLs
# of the laptop's pings relayed on to home, as tcpdump sees them leave the vps.
relayed_ttls() {
	n hotelnat nft flush chain ip ttl post
	n hotelnat nft add rule ip ttl post oifname wan0 udp dport "$RELAY_PORT" ip ttl set "$1"
	bg vps timeout 15 tcpdump -l -n -v -i eth0 -c 4 \
		"udp and src port $RELAY_PORT and dst host $CGNAT4" 2>"$TMP/tcpdump.err"
	local pid=$BG_PID
	# tcpdump is slow to start under TCG: the pings wait until it captures.
	wait_for 10 grep -q "listening on" "$TMP/tcpdump.err"
	n laptop ping -q -c 6 -i 0.3 -W 1 "${WG_ADDR[home]}" >/dev/null || true
	wait "$pid" 2>/dev/null || true
} >"$TMP/tcpdump"
for ttl in 10 200; do
	relayed_ttls "$ttl"
	want=$((ttl - 1 < 64 ? ttl - 1 : 64))
	got=$(grep -o 'ttl [0-9]*' "$TMP/tcpdump" | cut -d' ' -f2 | sort -u | tr '\n' ' ')
	log "arriving with TTL $ttl: relayed with TTL $got(want $want)"
	check "arriving with TTL $ttl, relayed with TTL $want (got: ${got:-nothing})" \
		eval "[[ '$got' == '$want ' ]]"
done

n hotelnat nft flush chain ip ttl post
n hotelnat nft add rule ip ttl post oifname wan0 udp dport "$RELAY_PORT" ip ttl set 1
drops0=$(relay_stat0 ttl_drops)
if n laptop ping -q -c 3 -i 0.3 -W 1 "${WG_ADDR[home]}" >/dev/null; then answered=yes; else answered=no; fi
drops=$(($(relay_stat0 ttl_drops) - drops0))
log "arriving with TTL 1: ttl_drops +$drops, pings answered: $answered"
check "data arriving with TTL 1 counted in ttl_drops (got +$drops)" eval "((drops >= 3))"
check "data arriving with TTL 1 is not relayed (pings answered: $answered)" eval "[[ $answered == no ]]"
n hotelnat nft delete table ip ttl
wait_for 30 n laptop ping -c 1 -W 1 "${WG_ADDR[home]}"
log "counters: $(trust_counters)"

step "(e) the subnet's broadcast address as a roam and as a static endpoint: nothing is sent there"
# The attacker knows both live indices and counters (here: from the relay's
# table) and roams each peer's half "to" the broadcast address, as a spoof with
# a fresh counter can: the relay must not take the roam (it would send the
# partner's data to a whole link, and move the binding there). Then it sends
# initiations for bcast4, whose static endpoint is that address (a typo an
# operator can make): the relay must not send them there either (tx_errors).
bcast=${VPS4%.*}.255
read -r hidx hctr < <(session_of home laptop)
read -r lidx lctr < <(session_of laptop home)
[[ -n ${hidx:-} && -n ${lidx:-} ]] || fail "no confirmed sessions of home and the laptop: $(relay_sessions)"
err0=$(relay_stat0 tx_errors) roams0=$(relay_stat0 roams) nos0=$(relay_stat0 rx_no_session)
bg vps timeout 12 tcpdump -l -n -i eth0 "udp and src port $RELAY_PORT and dst host $bcast" \
	>"$TMP/bcast" 2>/dev/null
pid=$BG_PID
sleep 2
n attacker wgr-forge spoof "$bcast" 5555 "$VPS4" "$RELAY_PORT" "data=$hidx:$((hctr + 2))" 1
n attacker wgr-forge spoof "$bcast" 5556 "$VPS4" "$RELAY_PORT" "data=$lidx:$((lctr + 2))" 1
n home ping -q -c 3 -i 0.3 -W 1 "${WG_ADDR[laptop]}" >/dev/null || true
n laptop ping -q -c 3 -i 0.3 -W 1 "${WG_ADDR[home]}" >/dev/null || true
roams=$(($(relay_stat0 roams) - roams0)) nos=$(($(relay_stat0 rx_no_session) - nos0))
n attacker wgr-forge initiation "$VPS4" "$RELAY_PORT" 3 2 "${WG_PUB[bcast4]}"
sleep 1
wait "$pid" 2>/dev/null || true
sent=$(grep -c . "$TMP/bcast" || true)
errs=$(($(relay_stat0 tx_errors) - err0))
log "roams +$roams, rx_no_session +$nos; initiations for bcast4: tx_errors +$errs; datagrams to $bcast: $sent"
check "no half roamed to $bcast (roams +$roams)" eval "((roams == 0))"
check "the spoofed roams were refused (rx_no_session +$nos)" eval "((nos >= 2))"
check "the relay refused to send to bcast4's static endpoint $bcast (tx_errors +$errs)" eval "((errs >= 3))"
check "nothing left the vps for $bcast (tcpdump saw $sent)" eval "((sent == 0))"
# The same to the vps's own address, which the IPv4 input takes from outside
# with accept_local on (a misconfigured VPS): the relay would send the partner's
# data to a local port of the spoofer's choosing (a review of 8ae0eb7, L4). Only
# the machine's own WireGuard, over loopback, may roam to a local address.
read -r hidx hctr < <(session_of home laptop)
n vps sysctl -qw net.ipv4.conf.eth0.accept_local=1
roams0=$(relay_stat0 roams) nos0=$(relay_stat0 rx_no_session)
n attacker wgr-forge spoof "$VPS4" 5557 "$VPS4" "$RELAY_PORT" "data=$hidx:$((hctr + 2))" 1
sleep 1
n vps sysctl -qw net.ipv4.conf.eth0.accept_local=0
roams=$(($(relay_stat0 roams) - roams0)) nos=$(($(relay_stat0 rx_no_session) - nos0))
log "a roam to $VPS4:5557: roams +$roams, rx_no_session +$nos"
check "no half roamed to the vps's own $VPS4:5557 (roams +$roams)" eval "((roams == 0))"
check "the spoofed roam to $VPS4:5557 was refused (rx_no_session +$nos)" eval "((nos >= 1))"
ping_ok home "${WG_ADDR[laptop]}" 3

step "what must hold"
((${#failures[@]} == 0)) || fail "$(IFS=";"; echo "${failures[*]}" | sed "s/;/; /g")"
