#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Netlink fuzzing (issue 9, item 3): tests/tools/wgr-nlfuzz sends FUZZ_NLMSGS
# (default 10000) malformed generic-netlink requests as root to two wgrelay
# devices of a namespace of their own, and FUZZ_NLMSGS / 2 more from an
# unprivileged user namespace and as user nobody to the relay that carries a real
# pair. Pass (besides a clean kernel log, which the guest checks):
#   - as root, every rejection by the family carries an extended ACK message, and
#     what the netlink core refuses before the family sees it has the core's errno;
#   - without CAP_NET_ADMIN, everything the family would see is refused with
#     EPERM (or by an earlier header check of the core, with its message), and
#     the relay's configuration and sessions are unchanged;
#   - whatever the fuzzing left on a device round-trips: showconf, setconf of that,
#     showconf prints the same bytes, also on a fresh device; a device's saved
#     configuration set back gives back the same showconf;
#   - the relay the fuzzing could not reach is unchanged and its pair still talks.
#
# cpu: heavy
# timeout: 900

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/cgnat.sh"
. "$(dirname "$0")/../lib/relay.sh"

[[ -e /dev/fd ]] || ln -s /proc/self/fd /dev/fd

FUZZ_NLMSGS=${FUZZ_NLMSGS:-10000}
SEED=${FUZZ_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
log "FUZZ_NLMSGS=$FUZZ_NLMSGS FUZZ_SEED=$SEED (set FUZZ_SEED to repeat a run)"

# fuzz NS ARGS...: wgr-nlfuzz in NS; prints its report, fails the test if it does.
# Its summary must show that it reached the family, and (as root) both accepted
# and rejected requests: a fuzzer that never gets past the core proves nothing.
fuzz() {
	local ns=$1 out
	shift
	out=$TMP/fuzz.out
	if ! n "$ns" "$@" >"$out" 2>&1; then
		cat "$out"
		fail "wgr-nlfuzz failed: $*"
	fi
	cat "$out"
	FUZZ_SUMMARY=$(grep '^wgr-nlfuzz: not processed' "$out")
}
count() { sed -n "s/.*[ ,]$1 \([0-9]*\).*/\1/p" <<<"$FUZZ_SUMMARY"; }

cgnat_setup
wg_keys home laptop

step "a real pair through relay0 on the vps"
relay_up home laptop
wg_peers "$RELAY_EP" "$RELAY_EP"
wait_for 30 n laptop ping -c 1 -W 1 "${WG_ADDR[home]}"
ping_ok laptop "${WG_ADDR[home]}" 3
relay_before=$(n vps relayctl showconf relay0)
echo "$relay_before"

step "two devices to fuzz, in a namespace of their own, configured"
ns_add fuzz
n fuzz ip link add wgrf0 type wgrelay
n fuzz ip link add wgrf1 type wgrelay
cat >"$TMP/wgrf0.conf" <<EOT
[Relay]
ListenPort = 41000
SessionTimeout = 120
MaxSessions = 5000

[Peer]
PublicKey = $(key 1)
Name = one
Endpoint = 198.51.100.1:51820

[Peer]
PublicKey = $(key 2)
Name = two
AllowedPeers = one
EOT
n fuzz relayctl setconf wgrf0 "$TMP/wgrf0.conf"
n fuzz ip link set wgrf0 up
n fuzz ip link set wgrf1 up
fuzz_before=$(n fuzz relayctl showconf wgrf0)
echo "$fuzz_before"

step "as root: $FUZZ_NLMSGS messages to wgrf0 and wgrf1"
start=$(date +%s)
fuzz fuzz wgr-nlfuzz -n "$FUZZ_NLMSGS" -s "$SEED" wgrf0 wgrf1
root_seconds=$(($(date +%s) - start))
for what in accepted "rejected by the family"; do
	v=$(count "$what")
	((v > FUZZ_NLMSGS / 50)) || fail "only $v requests $what: the fuzzer does not reach the family"
done

step "what the fuzzing left round-trips through showconf and setconf"
for dev in wgrf0 wgrf1; do
	conf=$(n fuzz relayctl showconf "$dev")
	n fuzz relayctl setconf "$dev" <(printf '%s\n' "$conf")
	assert_eq "$conf" "$(n fuzz relayctl showconf "$dev")" "$dev: showconf after setconf of its showconf"
	# A fresh device, down: its port opens no socket, so it may be wgrf0's.
	n fuzz ip link add wgrf2 type wgrelay
	n fuzz relayctl setconf wgrf2 <(printf '%s\n' "$conf")
	assert_eq "$conf" "$(n fuzz relayctl showconf wgrf2)" "$dev's configuration on a fresh device"
	n fuzz ip link del wgrf2
	log "$dev: $(grep -c '^\[Peer\]' <<<"$conf" || true) peers round-trip"
done
# The fuzzing may have given wgrf0's old port to wgrf1, which is up.
n fuzz ip link del wgrf1
n fuzz relayctl setconf wgrf0 "$TMP/wgrf0.conf"
assert_eq "$fuzz_before" "$(n fuzz relayctl showconf wgrf0)" "wgrf0 restored to its saved configuration"

step "without CAP_NET_ADMIN (a user namespace, user nobody): EPERM, relay0 unchanged"
half=$((FUZZ_NLMSGS / 2))
# A flush that got through would take the pair's sessions; keepalives refresh them.
sessions_before=$(relay_sessions | awk '{ print $2 }' | sort)
[[ -n $sessions_before ]] || fail "relay0 has no sessions to lose"
start=$(date +%s)
fuzz vps unshare -U -r wgr-nlfuzz -u -n "$half" -s "$SEED" relay0
eperm=$(count EPERM)
((eperm > half / 2)) || fail "only $eperm EPERM refusals from the user namespace"
fuzz vps su -s /usr/bin/bash nobody -c "wgr-nlfuzz -u -n $half -s $((SEED + 1)) relay0"
eperm=$(count EPERM)
((eperm > half / 2)) || fail "only $eperm EPERM refusals as nobody"
unpriv_seconds=$(($(date +%s) - start))
assert_eq "$relay_before" "$(n vps relayctl showconf relay0)" "relay0's configuration"
# (the guest's busybox has no comm)
lost=$(relay_sessions | awk 'NR == FNR { now[$2] = 1; next } !($1 in now)' - <(echo "$sessions_before"))
assert_eq "" "$lost" "relay0's sessions that went during the unprivileged fuzzing"

step "relay0, which the fuzzing could not reach, still carries its pair"
ping_ok laptop "${WG_ADDR[home]}" 3
ping_ok home "${WG_ADDR[laptop]}" 3
assert_eq 0 "$(relay_stat rx_invalid)" "relay0 rx_invalid"
log "fuzzed $FUZZ_NLMSGS messages as root in $root_seconds s," \
	"$((2 * half)) without CAP_NET_ADMIN in $unpriv_seconds s"
