#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Trusted and discovered bindings. A server with a public address is provisioned
# with a static endpoint; the laptop (behind the hotel's NAT) reaches it through
# the relay. The server answered where the relay knew it to be, so the laptop's
# binding is trusted. An attacker then stages a whole handshake through discovery
# naming the laptop as initiator (wgr-forge stage): it may squat bindings learned
# through discovery, but never displaces a trusted one, and the laptop stays
# reachable. Trust carries on: home's handshake with the laptop is answered at the
# laptop's trusted endpoint, so home's binding is trusted too.
#
# timeout: 300

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cgnat.sh"
. "$(dirname "$0")/../lib/relay.sh"

SERVER4=203.0.113.10 ATTACKER4=203.0.113.66
cgnat_setup
ns_add server attacker
public server eth0 "$SERVER4"
public attacker eth0 "$ATTACKER4"
WG_ADDR[server]=172.31.0.7
wg_keys home laptop server ghost ghost2
RELAY_PEER_EXTRA[server]="Endpoint = $SERVER4:$WG_PORT"
relay_up home laptop server ghost ghost2
n vps relayctl showconf relay0

binding_of() { # NAME: "ENDPOINT (STATE)" of a peer in relayctl show
	n vps relayctl show relay0 | awk -v n="$1" '$1 == "name:" { f = ($2 == n) }
		f && $1 == "binding:" { $1 = ""; print substr($0, 2); exit }'
}

step "the laptop reaches the public server through the relay"
wg_up server "$WG_PORT"
wg_up laptop
wg_mesh_peer laptop server "$RELAY_EP"
# The server knows the laptop only as a key: it answers wherever the relay sends from.
wg_peer server laptop "${WG_ADDR[laptop]}/32"
pair_works laptop server
echo "laptop: $(binding_of laptop)"
assert_match "^$HOTEL4:[0-9]+ \\(confirmed, trusted\\)$" "$(binding_of laptop)" "laptop's binding"

step "home, behind CGNAT, and the laptop: the laptop's trusted binding vouches for home"
wg_up home
wg_mesh_peer home laptop "$RELAY_EP"
wg_mesh_peer laptop home "$RELAY_EP"
pair_works laptop home
wait_for 30 eval '[[ $(binding_of home) == *trusted* ]]'
echo "home: $(binding_of home)"
assert_match "^$CGNAT4:[0-9]+ \\(confirmed, trusted\\)$" "$(binding_of home)" "home's binding"
assert_match '"binding_trusted":true' "$(n vps relayctl show relay0 --json)" "show --json"

step "an attacker stages a handshake through discovery naming the laptop"
before=$(binding_of laptop)
n attacker wgr-forge stage "$VPS4" "$RELAY_PORT" "${WG_PUB[ghost]}" "${WG_PUB[ghost2]}" "${WG_PUB[laptop]}"
n vps relayctl show relay0 | grep -E 'name:|binding:'
assert_eq "$before" "$(binding_of laptop)" "laptop's trusted binding after the staged handshake"
assert_stat_ge confirms 3
# The server's next handshake still finds the laptop where it really is.
n vps relayctl flush relay0 sessions
wait_for 60 n server ping -c 1 -W 1 "${WG_ADDR[laptop]}"
assert_eq "$before" "$(binding_of laptop)" "laptop's binding after a fresh handshake"
