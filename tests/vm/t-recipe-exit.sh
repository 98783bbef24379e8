#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Recipe "exit node" (docs/recipes/exit-node.md): the laptop sends all its
# traffic (AllowedIPs = 0.0.0.0/0) through home, by way of the relay; home
# forwards it and masquerades it out of its own connection. Both run wg-quick
# with the recipe's configs: wg-quick's fwmark and policy rules keep the
# laptop's WireGuard datagrams to the relay on the hotel's network.
#
# The site on the Internet is one the hotel's network drops everything to, so
# the laptop has no way there but the tunnel: checked before it is up. With it
# up, the laptop must reach the site, and the site must see home's public
# address (the CGNAT's), not the hotel's. It fails if the relay does not carry
# the pair, if wg-quick's rules sent the tunnel's own datagrams into the tunnel
# (nothing would connect), or if home did not forward and masquerade.
#
# kernels: newest
# timeout: 240

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cgnat.sh"
. "$(dirname "$0")/../lib/relay.sh"

SITE4=203.0.113.80

cgnat_setup
wg_keys home laptop
# wg-quick names the interfaces after their config files.
WG_IF=([home]=wg0 [laptop]=wg0)

step "a site on the Internet that tells its clients their address; the hotel blocks it"
ns_add site
public site eth0 "$SITE4"
mkdir -p "$TMP/www/cgi-bin"
printf '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\n%%s\\n" "$REMOTE_ADDR"\n' \
	>"$TMP/www/cgi-bin/ip"
chmod 0755 "$TMP/www" "$TMP/www/cgi-bin" "$TMP/www/cgi-bin/ip"
bg site busybox httpd -f -p "$SITE4:80" -h "$TMP/www"
wait_for 10 listening site tcp 80
# The hotel's captive filter: nothing from its guests to the site.
n hotelnat nft insert rule inet filter forward ip daddr "$SITE4" drop
assert_eq "$VPS4" "$(n vps curl -sS --max-time 10 "http://$SITE4/cgi-bin/ip")" \
	"the address the site sees for the vps"
assert_fails n laptop curl -sS --max-time 5 "http://$SITE4/cgi-bin/ip"
assert_fails n laptop ping -c 1 -W 2 "$SITE4"

step "the relay on the vps"
relay_up home laptop

step "wg-quick on home: the exit node (docs/recipes/exit-node.md's config)"
mkdir -m 0700 "$TMP/home" "$TMP/laptop"
cat >"$TMP/home/wg0.conf" <<EOF
[Interface]
PrivateKey = $(cat "${WG_KEY[home]}")
Address = ${WG_ADDR[home]}/24
PostUp = sysctl -w net.ipv4.ip_forward=1
PostUp = nft add table ip wg-exit
PostUp = nft add chain ip wg-exit postrouting '{ type nat hook postrouting priority srcnat; }'
PostUp = nft add rule ip wg-exit postrouting iifname %i oifname eth0 masquerade
PostDown = nft delete table ip wg-exit

[Peer]
# the laptop, through the relay
PublicKey = ${WG_PUB[laptop]}
AllowedIPs = ${WG_ADDR[laptop]}/32
Endpoint = $RELAY_EP
PersistentKeepalive = 25
EOF
cat >"$TMP/laptop/wg0.conf" <<EOF
[Interface]
PrivateKey = $(cat "${WG_KEY[laptop]}")
Address = ${WG_ADDR[laptop]}/24

[Peer]
# home, the exit node, through the relay: everything goes there
PublicKey = ${WG_PUB[home]}
AllowedIPs = 0.0.0.0/0
Endpoint = $RELAY_EP
PersistentKeepalive = 25
EOF
chmod 0600 "$TMP/home/wg0.conf" "$TMP/laptop/wg0.conf"
n home wg-quick up "$TMP/home/wg0.conf"

step "wg-quick on the laptop: all its traffic into the tunnel, but the tunnel's own to the relay"
n laptop wg-quick up "$TMP/laptop/wg0.conf"
n laptop ip rule
n laptop ip route show table all | grep -v -e '^local' -e '^broadcast' -e 'table local'
# What wg-quick set up: unmarked traffic goes to the tunnel; WireGuard marks its
# own datagrams (the fwmark), and those take the main table, to the hotel.
assert_match "dev wg0 table $WG_PORT" "$(n laptop ip route get "$SITE4")" \
	"the laptop's route to the site"
assert_match "via 10\.0\.0\.1 dev eth0" "$(n laptop ip route get "$VPS4" mark "$WG_PORT")" \
	"the route of the laptop's WireGuard datagrams to the relay"

step "the pair connects through the relay"
start=$SECONDS
# One ping a second until the first reply, for at most 40 s.
n laptop ping -q -c 1 -w 40 "${WG_ADDR[home]}" >/dev/null ||
	fail "the laptop did not reach home through the relay within 40 s"
log "the laptop reached home $((SECONDS - start)) s after wg-quick up"
ping_ok laptop "${WG_ADDR[home]}" 3
show_relay
assert_eq "$RELAY_EP" "$(wg_endpoint laptop home)" "the laptop's endpoint for home"
sessions=$(relay_sessions)
assert_match "$CGNAT4:[0-9]+[[:space:]]+confirmed" "$sessions" "home's session endpoint"
assert_match "$HOTEL4:[0-9]+[[:space:]]+confirmed" "$sessions" "the laptop's session endpoint"

step "the laptop reaches the site through home; the site sees home's public address"
before=$(relay_stat tx_packets)
ping_ok laptop "$SITE4" 3
seen=$(n laptop curl -sS --max-time 30 "http://$SITE4/cgi-bin/ip")
log "the site saw the laptop's request come from $seen"
assert_ne "$HOTEL4" "$seen" "the address the site saw"
assert_eq "$CGNAT4" "$seen" "the address the site saw (home's public address)"
relayed=$(($(relay_stat tx_packets) - before))
log "the relay relayed $relayed datagrams meanwhile"
# 3 pings and their replies, and a TCP connection's handshake, request and reply.
((relayed >= 10)) || fail "the relay relayed only $relayed datagrams for the pings and the request"
n home wg show wg0 transfer
assert_eq 0 "$(relay_stat rx_invalid)" "rx_invalid"
