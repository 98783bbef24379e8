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

step_relay_device() {
	heading "the relay: a wgrelay device on the VPS"
	modinfo -F filename wgrelay >/dev/null 2>&1 ||
		fail "wgrelay.ko is not in this VM: the module did not build (see 'make module')"
	say "wgrelay is a kernel module; 'ip link add ... type wgrelay' loads it on demand."
	show vps ip link add relay0 type wgrelay
	show "" "lsmod | grep -E '^(Module|wgrelay)'"
	show vps ip link set relay0 up
	show vps ip -d link show relay0
	show vps ss -uln
	if command -v relayctl >/dev/null; then
		show vps relayctl show relay0 || true
	fi
	show vps ip link del relay0
}

DEMO_STEPS=(step_lab step_outbound step_blocked step_relay_device)

cd "$(dirname "$0")/.." || exit 1
for s in "${DEMO_STEPS[@]}"; do
	"$s"
done
printf '\n\n==== Done ====\n'
