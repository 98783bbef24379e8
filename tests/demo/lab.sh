#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo, as it runs inside the lab VM (tests/demo.sh boots it). Each step is a
# function named in DEMO_STEPS; add a step by writing a function and listing it.
# "show NS CMD..." prints the command as a prompt in NS ("" for the VM itself),
# then runs it; "show NS 'A | B'" runs a pipeline with bash.
#
# timeout: 300

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cgnat.sh"
. "$(dirname "$0")/../lib/relay.sh"

say() { printf '%s\n' "$@" | fold -s -w 88; }
show() {
	local in=()
	[[ -z $1 ]] || in=(ip netns exec "$1")
	printf '\n%s# %s\n' "${1:-lab}" "${*:2}"
	if (($# == 2)); then
		"${in[@]}" bash -c "$2"
	else
		"${in[@]}" "${@:2}"
	fi
}
STEP=0
heading() {
	STEP=$((STEP + 1))
	printf '\n\n==== Step %d: %s ====\n\n' "$STEP" "$*"
}

step_lab() {
	heading "a home server behind carrier-grade NAT, a laptop in a hotel, a VPS"
	sed -n '/^#  *inet (bridge/,/^#  *eth0 192.168.1.2/p' lib/cgnat.sh | sed 's/^#//'
	cgnat_setup
	say "" "Every box above is a network namespace in this VM. The CGNAT masquerades" \
		"100.64.0.0/10 behind 203.0.113.2, like an ISP's; the home router and the hotel" \
		"masquerade their LANs."
	show cgnat nft list table ip nat
}

step_outbound() {
	heading "home can reach out"
	udp_sink vps 6000
	say "home sends a UDP datagram to the VPS. It leaves through two NATs:"
	show home "echo hello-from-home | socat -u - UDP4-SENDTO:$VPS4:6000,sourceport=5001"
	wait_for 5 grep -q hello-from-home "$TMP/vps.6000"
	say "" "The VPS receives it from the CGNAT's public address (sender, then payload):"
	show vps cat "$TMP/vps.6000"
	say "" "and the CGNAT holds a mapping that only lets the VPS's replies back in:"
	show cgnat conntrack -L -p udp
}

step_blocked() {
	heading "nobody can reach home"
	udp_sink home 5000
	say "home listens on UDP port 5000. The laptop and the VPS send to the CGNAT's" \
		"public address, where home's port would be if port forwarding were possible:"
	show laptop "echo from-laptop | socat -u - UDP4-SENDTO:$CGNAT4:5000"
	show vps "echo from-vps | socat -u - UDP4-SENDTO:$CGNAT4:5000"
	sleep 2
	say "" "What home received in 2 seconds:"
	show home cat "$TMP/home.5000"
	assert_empty_file "$TMP/home.5000" "datagrams that reached home"
	say "(nothing: the CGNAT drops unsolicited datagrams, and home's ISP will not" \
		"forward a port on a box shared by thousands of customers)"
}

step_relay() {
	heading "the relay: wgrelay on the VPS, provisioned with the peers' public keys"
	modinfo -F filename wgrelay >/dev/null 2>&1 ||
		fail "wgrelay.ko is not in this VM: the module did not build (see 'make module')"
	wg_keys home laptop
	relay_conf "$TMP/relay0.conf" home laptop
	say "On a VPS this file is /etc/wgrelay/relay0.conf. It holds public keys only: the" \
		"relay never has a private key and never decrypts anything."
	show "" cat "$TMP/relay0.conf"
	say "" "'relayctl up' creates relay0 (loading the module), applies the file and brings" \
		"it up; the relay listens on UDP 51820 on IPv4 and IPv6:"
	show vps relayctl up "$TMP/relay0.conf"
	show vps "ss -uln | grep -E 'State|51820'"
	show vps relayctl show relay0
}

# wg_quick_text NS PEER: the wg-quick file NS would use (what the README shows).
wg_quick_text() {
	printf '[Interface]\nPrivateKey = (%s private key)\nAddress = %s/24\n\n' "$1" "${WG_ADDR[$1]}"
	printf '[Peer]\nPublicKey = %s\nAllowedIPs = %s/32\nEndpoint = %s\nPersistentKeepalive = 25\n' \
		"${WG_PUB[$2]}" "${WG_ADDR[$2]}" "$RELAY_EP"
}

step_peers() {
	heading "stock WireGuard on home and laptop, Endpoint = the relay"
	say "Each side keeps its ordinary WireGuard config; the only change is that the" \
		"peer's Endpoint is the VPS. home's config, as wg-quick would read it:"
	wg_quick_text home laptop | sed 's/^/    /'
	say "" "and the laptop's:"
	wg_quick_text laptop home | sed 's/^/    /'
	wg_peers "$RELAY_EP" "$RELAY_EP"
	say "" "(applied here with ip and wg, as wg-quick does)"
	show home wg show
	show laptop wg show
}

step_ping() {
	heading "the laptop reaches home, and home the laptop"
	wait_for 30 n laptop ping -c 1 -W 1 "${WG_ADDR[home]}"
	show laptop ping -c 4 -i 0.3 "${WG_ADDR[home]}"
	show home ping -c 4 -i 0.3 "${WG_ADDR[laptop]}"
	say "" "Both sides see the other at the relay; the handshake and the encryption are" \
		"theirs, end to end:"
	show laptop "wg show wg0 endpoints; wg show wg0 latest-handshakes"
}

step_iperf() {
	heading "a transfer through the relay"
	bg home iperf3 -s -1 -B "${WG_ADDR[home]}"
	wait_for 10 listening home tcp 5201
	show laptop iperf3 -c "${WG_ADDR[home]}" -t 5 -f m
	say "" "(QEMU emulates the CPU here, so absolute speed says little; see make bench" \
		"for the relay against the direct path and a WireGuard hub, measured side by side)"
}

step_state() {
	heading "what the relay knows: bindings and sessions, no keys"
	say "Each peer is bound to the public endpoint its NAT gave it; the session table" \
		"maps each WireGuard receiver index to where its owner is:"
	show vps relayctl show relay0
	show vps relayctl show relay0 sessions
	show vps "relayctl show relay0 stats | grep -vw 0"
	show vps ip -s link show relay0
}

DEMO_STEPS=(step_lab step_outbound step_blocked step_relay step_peers step_ping step_iperf step_state)

cd "$(dirname "$0")/.." || exit 1
for s in "${DEMO_STEPS[@]}"; do
	"$s"
done
printf '\n\n==== Done ====\n'
