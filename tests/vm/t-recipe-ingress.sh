#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Recipe "browser ingress" (docs/recipes/ingress.md): a web site on the home
# server behind CGNAT, served to browsers on the Internet by nginx on the vps.
# The vps's own WireGuard (wg-quick, listening on 51821) is a peer of the relay
# on the same host: the relay knows it at the static endpoint 127.0.0.1:51821,
# and it sends to the relay at 127.0.0.1:51820. nginx proxies to the home
# server's tunnel address; curl from a host on the Internet gets the page.
#
# It fails if the relay cannot reach a WireGuard socket on its own host (over
# loopback, either way), if nginx is not reaching home through the tunnel (the
# page is checked byte for byte, and home's web server must see the vps's tunnel
# address as the client), and before the tunnel is up it checks that the same
# request fails (504): nothing else in the lab can carry it.
#
# kernels: newest
# timeout: 240

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cgnat.sh"
. "$(dirname "$0")/../lib/relay.sh"

VPS_WG_PORT=51821
BROWSER4=203.0.113.50

cgnat_setup
ns_add browser
public browser eth0 "$BROWSER4"
wg_keys home vps

step "nginx on the vps proxies $VPS4:80 to home's tunnel address ${WG_ADDR[home]}"
# The server block is docs/recipes/ingress.md's; the rest is what Debian's
# /etc/nginx/nginx.conf would give it, with every path under $TMP.
mkdir -p "$TMP/nginx"
cat >"$TMP/nginx/site.conf" <<EOF
server {
	listen $VPS4:80;
	server_name _;
	location / {
		proxy_pass http://${WG_ADDR[home]}:80;
		proxy_set_header Host \$host;
		proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
		proxy_connect_timeout 5s;
	}
}
EOF
cat >"$TMP/nginx/nginx.conf" <<EOF
user nobody nogroup;
worker_processes 1;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log;
events { worker_connections 64; }
http {
	access_log $TMP/nginx/access.log;
	client_body_temp_path $TMP/nginx/body;
	proxy_temp_path $TMP/nginx/proxy;
	fastcgi_temp_path $TMP/nginx/fastcgi;
	uwsgi_temp_path $TMP/nginx/uwsgi;
	scgi_temp_path $TMP/nginx/scgi;
	include $TMP/nginx/site.conf;
}
EOF
# The workers run as nobody: they write the temp paths and logs.
chmod 0755 "$TMP"
n vps nginx -t -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf"
n vps nginx -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf"
at_exit "kill \$(cat $TMP/nginx/nginx.pid)"
wait_for 10 listening vps tcp 80

step "without the tunnel, a browser gets an error from nginx: nothing else reaches home"
# 504: the vps's default route leads to the Internet, which drops what it sends
# to a private address; nginx gives up connecting after proxy_connect_timeout.
code=$(n browser curl -s -o /dev/null -w '%{http_code}' --max-time 20 "http://$VPS4/")
assert_match '^50[24]$' "$code" "HTTP status before the tunnel is up"

step "home serves a page on its tunnel address (busybox httpd)"
mkdir -p "$TMP/www/cgi-bin"
# 200 KiB: many full-size datagrams each way, so a wrong MTU would show.
{
	echo "<html><body><h1>served from home over wgrelay</h1><pre>"
	head -c 150000 /dev/urandom | base64
	echo "</pre></body></html>"
} >"$TMP/www/index.html"
printf '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\n%%s\\n" "$REMOTE_ADDR"\n' \
	>"$TMP/www/cgi-bin/client"
chmod 0755 "$TMP/www" "$TMP/www/cgi-bin" "$TMP/www/cgi-bin/client"
chmod 0644 "$TMP/www/index.html"

step "the relay on the vps: home, and the vps's own WireGuard at 127.0.0.1:$VPS_WG_PORT"
RELAY_PEER_EXTRA[vps]="Endpoint = 127.0.0.1:$VPS_WG_PORT"
relay_up home vps
cat "$TMP/relay0.conf"

step "wg-quick on home and on the vps (docs/recipes/ingress.md's configs)"
mkdir -m 0700 "$TMP/home" "$TMP/vps"
cat >"$TMP/home/wg0.conf" <<EOF
[Interface]
PrivateKey = $(cat "${WG_KEY[home]}")
Address = ${WG_ADDR[home]}/24

[Peer]
# the vps's own WireGuard, reached through the relay
PublicKey = ${WG_PUB[vps]}
AllowedIPs = ${WG_ADDR[vps]}/32
Endpoint = $RELAY_EP
PersistentKeepalive = 25
EOF
cat >"$TMP/vps/wg0.conf" <<EOF
[Interface]
PrivateKey = $(cat "${WG_KEY[vps]}")
Address = ${WG_ADDR[vps]}/24
ListenPort = $VPS_WG_PORT
MTU = 1420

[Peer]
# home, reached through the relay on this same host
PublicKey = ${WG_PUB[home]}
AllowedIPs = ${WG_ADDR[home]}/32
Endpoint = 127.0.0.1:$RELAY_PORT
EOF
chmod 0600 "$TMP/home/wg0.conf" "$TMP/vps/wg0.conf"
n home wg-quick up "$TMP/home/wg0.conf"
n vps wg-quick up "$TMP/vps/wg0.conf"
bg home busybox httpd -f -p "${WG_ADDR[home]}:80" -h "$TMP/www"
wait_for 10 listening home tcp 80

step "the vps reaches home through the relay"
start=$SECONDS
# One ping a second until the first reply, for at most 40 s.
n vps ping -q -c 1 -w 40 "${WG_ADDR[home]}" >/dev/null ||
	fail "the vps did not reach home through the relay within 40 s"
log "the vps reached home $((SECONDS - start)) s after wg-quick up"
ping_ok vps "${WG_ADDR[home]}" 3
show_relay
assert_eq "127.0.0.1:$RELAY_PORT" "$(n vps wg show wg0 endpoints | awk '{ print $2 }')" \
	"the vps's endpoint for home"
assert_eq "$RELAY_EP" "$(n home wg show wg0 endpoints | awk '{ print $2 }')" \
	"home's endpoint for the vps"
sessions=$(relay_sessions)
assert_match "127\.0\.0\.1:${VPS_WG_PORT}[[:space:]]+confirmed" "$sessions" \
	"the vps's session endpoint (loopback)"
assert_match "$CGNAT4:[0-9]+[[:space:]]+confirmed" "$sessions" "home's session endpoint"
assert_eq 1420 "$(n vps cat /sys/class/net/wg0/mtu)" "the vps's tunnel MTU"

step "a browser on the Internet gets home's page from the vps"
before=$(relay_stat tx_packets)
n browser curl -sS --max-time 30 -o "$TMP/got.html" -w '%{http_code} %{size_download} bytes\n' \
	"http://$VPS4/"
cmp "$TMP/www/index.html" "$TMP/got.html" || fail "the page a browser got is not home's page"
head -1 "$TMP/got.html"
relayed=$(($(relay_stat tx_packets) - before))
log "the relay relayed $relayed datagrams for one page of $(stat -c %s "$TMP/got.html") bytes"
# At least one datagram per 1,420 bytes of the page went from home to the vps.
((relayed >= $(stat -c %s "$TMP/got.html") / 1420)) ||
	fail "the relay relayed only $relayed datagrams for the page"
client=$(n browser curl -sS --max-time 30 "http://$VPS4/cgi-bin/client")
assert_eq "${WG_ADDR[vps]}" "$client" "the client home's web server saw"
n vps cat "$TMP/nginx/access.log"
assert_eq 0 "$(relay_stat rx_invalid)" "rx_invalid"
