#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A target under WireGuard's own load (trust model v2: target cookies end at the
# relay). A server with a public address is provisioned with a static endpoint;
# an attacker floods its WireGuard directly with initiations (valid mac1, junk
# otherwise), so that its handshake queue is long and it demands its own mac2 on
# every handshake: it answers each without one with a cookie reply to the
# sender, which for relayed handshakes is the relay. The relay opens that cookie
# (its key derives from the server's public key), keeps it for the server's
# endpoint, and puts mac2 made with it on what it sends there; it forwards no
# cookie reply to the laptop, whose only cookie is then the relay's own. The
# laptop, behind the hotel's NAT, must still complete a handshake with the
# server through the relay, within a few of WireGuard's retries.
#
# variants: kernel go
# cpu: heavy
# timeout: 240
# kernels: one

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cgnat.sh"
. "$(dirname "$0")/../lib/relay.sh"

impl=${1:-kernel}
SERVER4=203.0.113.10 ATTACKER4=203.0.113.66
cgnat_setup
ns_add server attacker
public server eth0 "$SERVER4"
public attacker eth0 "$ATTACKER4"
WG_ADDR[server]=172.31.0.7
[[ $impl == go ]] && WG_IMPL[laptop]=go
wg_keys laptop server
RELAY_PEER_EXTRA[server]="Endpoint = $SERVER4:$WG_PORT"
relay_up laptop server
wg_up server "$WG_PORT"
wg_up laptop
wg_mesh_peer laptop server "$RELAY_EP"
wg_peer server laptop "${WG_ADDR[laptop]}/32"

step "the attacker floods the server's WireGuard directly; then the laptop starts"
bg attacker wgr-forge initiation "$SERVER4" "$WG_PORT" 400000 20000 "${WG_PUB[server]}"
# Under load, the server answers an initiation without its mac2 with a cookie.
wait_for 60 n attacker wgr-forge cookieprobe "$SERVER4" "$WG_PORT" "${WG_PUB[server]}"
log "the server is under load"
# The server is under load while its handshake queue is long, and for a second
# after; a guest slowed by a busy host (or by the memory-safety nets) can send
# the flood too slowly to keep it long all the time. So the laptop starts again,
# up to TRIES times, until one of its handshakes met the server under load: each
# must complete, and one must have been answered with the server's own cookie.
TRIES=5
for ((try = 1; try <= TRIES; try++)); do
	start=$SECONDS
	wait_for 60 n laptop ping -c 1 -W 1 "${WG_ADDR[server]}"
	took=$((SECONDS - start))
	log "try $try: the laptop reached the server $took s after it started; cookies from it: $(relay_stat hs_cookies)"
	(($(relay_stat hs_cookies) >= 1)) && break
	n laptop wg set "${WG_IF[laptop]}" peer "${WG_PUB[server]}" remove
	wg_mesh_peer laptop server "$RELAY_EP"
done
n vps relayctl show relay0 stats | grep -E 'hs_cookies|cookies_sent|hs_mac2|hs_initiations|hs_responses'
# The server asked for its own cookie at least once, and the relay kept it.
assert_stat_ge hs_cookies 1
