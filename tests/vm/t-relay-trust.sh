#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Static and live bindings (trust model v2). A server with a public address is
# provisioned with a static endpoint: that is its binding, shown as static. The
# laptop (behind the hotel's NAT) reaches it through the relay, and home (behind
# CGNAT) reaches the laptop: their bindings are live while they talk. An attacker
# then stages a whole handshake through discovery naming the laptop as initiator
# (wgr-forge hold): the relay sees it complete, but a live binding does not move
# (bindings_kept), and the laptop stays reachable.
#
# timeout: 300
# kernels: one

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
# (", proven" once a retry of its carried the relay's mac2: relayctl(8).)
assert_match "^$HOTEL4:[0-9]+ \\(live(, proven)?\\)$" "$(binding_of laptop)" "laptop's binding"
assert_match "^$SERVER4:$WG_PORT \\(static\\)$" "$(binding_of server)" "server's binding"

step "home, behind CGNAT, and the laptop"
wg_up home
wg_mesh_peer home laptop "$RELAY_EP"
wg_mesh_peer laptop home "$RELAY_EP"
pair_works laptop home
wait_for 30 eval '[[ $(binding_of home) == *live* ]]'
echo "home: $(binding_of home)"
assert_match "^$CGNAT4:[0-9]+ \\(live(, proven)?\\)$" "$(binding_of home)" "home's binding"
assert_match '"binding_status":"static"' "$(n vps relayctl show relay0 --json)" "show --json"

step "an attacker stages a handshake through discovery naming the laptop"
before=$(binding_of laptop)
before=${before%% *}
# Staging needs a discovery candidate, which needs the relay's mac2: wgr-forge
# hold takes the relay's cookie and stages again every 5 s.
n attacker wgr-forge hold "$VPS4" "$RELAY_PORT" 15 \
	"${WG_PUB[ghost]}" "${WG_PUB[ghost2]}" "${WG_PUB[laptop]}" | tee "$TMP/hold"
n vps relayctl show relay0 | grep -E 'name:|binding:'
after=$(binding_of laptop)
assert_eq "$before" "${after%% *}" "laptop's live binding after the staged handshake"
# The staged session is live and reaches "the laptop" at the attacker: flagged.
assert_match "live(, proven)?, a live session reaches it elsewhere" "$after" "laptop's binding, shown"
assert_stat_ge confirms 3
assert_stat_ge bindings_kept 1
# The server's next handshake still finds the laptop where it really is.
n vps relayctl flush relay0 sessions
wait_for 60 n server ping -c 1 -W 1 "${WG_ADDR[laptop]}"
after=$(binding_of laptop)
assert_eq "$before" "${after%% *}" "laptop's binding after a fresh handshake"
