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
		printf '[Relay]\nListenPort = %s\n%s\n' "$RELAY_PORT" "${RELAY_SETTINGS:-}"
		for name; do
			printf '\n[Peer]\nPublicKey = %s\nName = %s\n%s\n' \
				"${WG_PUB[$name]}" "$name" "${RELAY_PEER_EXTRA[$name]:-}"
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

# no_confirmed_binding: no peer of relay0 has a confirmed binding (for wait_for).
no_confirmed_binding() { ! n vps relayctl show relay0 | grep -q "binding: .*confirmed"; }
