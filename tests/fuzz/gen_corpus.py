#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Writes the seed corpus of every fuzz target into corpus/<target>/.

Seeds are real inputs: the WireGuard handshakes captured in the lab
(tests/unit/mac1_captured.h) and well-formed messages of every type; the config
files of README.md and relayctl(8); `set` commands and state files like the unit
tests'; and netlink replies built the way the module builds them (one dump
message per peer list, NLMSG_DONE, NLMSG_ERROR with an extack message).
Deterministic: run it again and git sees no change. Crashing inputs the fuzzers
found are added to the corpus by hand, named after the bug.
"""
import base64
import hashlib
import os
import re
import socket
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
UNIT = os.path.join(HERE, '..', 'unit')


def write(target, name, data):
    d = os.path.join(HERE, 'corpus', target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


def c_vectors(path):
    """The {public_key, len, msg} of each vector in a tests/unit/mac1_*.h file."""
    text = open(path).read()
    out = []
    for m in re.finditer(r'\.public_key = \{([^}]*)\}.*?\.len = (\d+).*?\.msg = \{([^}]*)\}',
                         text, re.S):
        pub = bytes(int(x, 0) for x in m.group(1).replace(',', ' ').split())
        msg = bytes(int(x, 0) for x in m.group(3).replace(',', ' ').split())
        out.append((pub, msg[:int(m.group(2))]))
    return out


def blake2s_mac(key, data):
    return hashlib.blake2s(data, key=key, digest_size=16).digest()


def mac1_key(pub):
    return hashlib.blake2s(b'mac1----' + pub).digest()


# --- module/messages.h and mac1 ---------------------------------------------
captured = c_vectors(os.path.join(UNIT, 'mac1_captured.h'))
python_vectors = c_vectors(os.path.join(UNIT, 'mac1_vectors.h'))
assert len(captured) >= 2 and python_vectors
for i, (pub, msg) in enumerate(captured):
    write('messages', 'captured-%d' % i, msg)
    write('mac1', 'captured-%d' % i, pub + b'\x00\x00' + msg)
    # A bit in mac2 (not covered) and one in the sender index.
    write('mac1', 'captured-%d-mac2bit' % i, pub + struct.pack('<H', (len(msg) - 1) * 8) + msg)
    write('mac1', 'captured-%d-senderbit' % i, pub + struct.pack('<H', 4 * 8) + msg)
for i, (pub, msg) in enumerate(python_vectors[:4]):
    write('mac1', 'python-%d' % i, pub + b'\x01\x00' + msg)

pub = bytes(range(32))
body = bytes((i * 7 + 1) & 0xff for i in range(148))
resp = b'\x02\x00\x00\x00' + body[4:60]
resp += blake2s_mac(mac1_key(pub), resp) + bytes(16)
write('messages', 'response', resp)
write('mac1', 'response', pub + b'\x00\x00' + resp)
write('messages', 'cookie', b'\x03\x00\x00\x00' + body[4:64])
write('messages', 'keepalive', b'\x04\x00\x00\x00' + struct.pack('<IQ', 0x11223344, 7) + bytes(16))
write('messages', 'data', b'\x04\x00\x00\x00' + struct.pack('<IQ', 1, 2**64 - 1) + body[:100])
write('messages', 'short-data', b'\x04\x00\x00\x00' + bytes(27))
write('messages', 'reserved-set', b'\x01\x00\x01\x00' + body[4:148])

# --- relayctl: config files and set arguments ---------------------------------
K1 = base64.b64encode(bytes([1] * 32)).decode()
K2 = base64.b64encode(bytes([2] * 32)).decode()
K3 = base64.b64encode(bytes([3] * 32)).decode()
write('config', 'readme', """[Relay]
ListenPort = 51820

[Peer]
PublicKey = fWCOW4yUYUwW1U1IazP81jLocQoVEczOU+V7xWtwJ2w=
Name = home

[Peer]
PublicKey = dO7iz+wFhowX77Ww3dYsGBat3SJbrRy6h2XIMkX2PCM=
Name = laptop
AllowedPeers = home
""")
write('config', 'manpage', """[Relay]
ListenPort = 51820
SessionTimeout = 180

[Peer]
PublicKey = HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw=
Name = home

[Peer]
PublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=
Name = laptop
AllowedPeers = home
""")
write('config', 'everything', """# every key, odd case and spacing
[relay]
listenport=1
SessionTimeout = 86400
BindingTimeout = 1\t
MaxSessions = 16777216
DiscoveryFanout = 0
Roaming = off # comment
fastpath = On

[Peer]
PublicKey = %s
Name = a.b_c-D
Endpoint = 192.0.2.1:51820
AllowedPeers = %s, b

[Peer]\r
PublicKey = %s\r
Name = b\r
Endpoint = [2001:db8::1]:1\r
AllowedPeers = a.b_c-D\r

[Peer]
PublicKey = %s
Endpoint = [fe80::1%%1]:65535
""" % (K1, K3, K2, K3))
write('config', 'errors', "[Peer]\nPublicKey = %s\n[Peer]\nPublicKey = %s\nAllowedPeers = x,,y\n"
      % (K1, K1))
write('config', 'duplicate-name', "[Peer]\nPublicKey = %s\nName = a\n[Peer]\nPublicKey = %s\nName = a\n"
      "[Peer]\nName = b\n" % (K1, K2))

def args(*a):
    return '\0'.join(a)

write('args', 'settings', args('listen-port', '51820', 'session-timeout', '180', 'binding-timeout',
                               '300', 'max-sessions', '131072', 'discovery-fanout', '8',
                               'roaming', 'on'))
write('args', 'peers', args('replace-peers', 'peer', K1, 'name', 'home', 'endpoint',
                            '198.51.100.7:51820', 'peer', K2, 'name', 'laptop', 'allowed-peers',
                            'home,' + K3, 'peer', K3, 'endpoint', '[2001:db8::7]:4500'))
write('args', 'remove', args('peer', K1, 'remove', 'peer', K2, 'endpoint', '', 'name', '',
                             'allowed-peers', ''))

# --- relayctl: state files ----------------------------------------------------
write('state', 'saved', """wgrelay-state 1
# relayctl save: confirmed sessions and bindings; relayctl restore puts them back
saved 1700000000
session %s 0a0b0c0d 192.0.2.1:51820@198.51.100.1 17 %s ffffffff [2001:db8::2]:4000 0 1699999990 1
session %s 00000001 [fe80::1%%2]:1@fe80::2 18446744073709551615 %s 00000002 10.0.0.1:65535 1 0 0
binding %s 203.0.113.9:1234@198.51.100.1 1699999999\r
binding %s [2001:db8::9]:51820 0
""" % (K1, K2, K2, K3, K1, K3))
write('state', 'empty', "wgrelay-state 1\nsaved 0\n")
write('state', 'long-line', "wgrelay-state 1\nsaved 0\n# " + "x" * 1100 + "\n")

# --- relayctl: netlink replies ------------------------------------------------
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLM_F_MULTI, NLM_F_DUMP_INTR, NLM_F_ACK_TLVS, NLM_F_CAPPED = 2, 16, 0x200, 0x100
NLA_F_NESTED = 0x8000
FAMILY = 42


def attr(t, payload):
    a = struct.pack('<HH', 4 + len(payload), t) + payload
    return a + bytes(-len(a) % 4)


def nest(t, *attrs):
    return attr(t | NLA_F_NESTED, b''.join(attrs))


def u8(t, v):
    return attr(t, struct.pack('<B', v))


def u16(t, v):
    return attr(t, struct.pack('<H', v))


def u32(t, v):
    return attr(t, struct.pack('<I', v))


def u64(t, v):
    return attr(t, struct.pack('<Q', v))


def sin(addr, port):
    return struct.pack('<H', socket.AF_INET) + struct.pack('>H', port) + \
        socket.inet_pton(socket.AF_INET, addr) + bytes(8)


def sin6(addr, port, scope=0):
    return struct.pack('<H', socket.AF_INET6) + struct.pack('>H', port) + bytes(4) + \
        socket.inet_pton(socket.AF_INET6, addr) + struct.pack('<I', scope)


def nlmsg(mtype, flags, payload):
    return struct.pack('<IHHII', 16 + len(payload), mtype, flags, 1, 0) + payload


def genl(cmd, *attrs, flags=NLM_F_MULTI):
    return nlmsg(FAMILY, flags, struct.pack('<BBH', cmd, 1, 0) + b''.join(attrs))


def done(err=0, msg=None, flags=NLM_F_MULTI):
    payload = struct.pack('<i', err)
    if msg is not None:
        flags |= NLM_F_ACK_TLVS
        payload += attr(1, msg.encode() + b'\0')
    return nlmsg(NLMSG_DONE, flags, payload)


def error(err, msg=None, capped=True):
    req = struct.pack('<IHHII', 36, FAMILY, 5, 1, 0) + bytes(20)
    flags = NLM_F_CAPPED if capped else 0
    payload = struct.pack('<i', err) + (req[:16] if capped else req)
    if msg is not None:
        flags |= NLM_F_ACK_TLVS
        payload += attr(1, msg.encode() + b'\0')
    return nlmsg(NLMSG_ERROR, flags, payload)


def chunks(mode, *bufs):
    return bytes([mode]) + b''.join(struct.pack('<H', len(b)) + b for b in bufs)


KEY = [bytes([i] * 32) for i in range(4)]
GET_DEVICE, GET_SESSIONS, RESTORE = 0, 2, 4
A_IFINDEX, A_IFNAME, A_LISTEN_PORT, A_SESSION_TIMEOUT, A_BINDING_TIMEOUT = 1, 2, 3, 4, 5
A_MAX_SESSIONS, A_FANOUT, A_ROAMING, A_PEERS, A_STATS, A_SESSIONS = 6, 7, 8, 10, 11, 12
A_GENERATION, A_NUM_PEERS, A_NUM_SESSIONS, A_RESTORED = 14, 15, 16, 18


def peer(i, name=None, ep=None, allowed=(), binding=None, local=None, status=2):
    a = [attr(1, KEY[i])]
    if name:
        a.append(attr(2, name.encode() + b'\0'))
    if ep:
        a.append(attr(3, ep))
    if allowed:
        a.append(attr(4, b''.join(KEY[k] for k in allowed)))
    a += [u8(6, 2), u64(8, 1700000000), u64(9, 10), u64(10, 1480), u64(11, 12), u64(12, 1600),
          u64(13, 3), u32(14, 1), u8(17, status), u8(18, 0), u64(19, 0)]
    if binding:
        a.append(attr(7, binding))
    if local:
        a.append(attr(20, local))
    return nest(0, *a)


def device(*peers, gen=7):
    head = [u32(A_IFINDEX, 1), attr(A_IFNAME, b'lo\0'), u32(A_GENERATION, gen)]
    return head + [u16(A_LISTEN_PORT, 51820), u32(A_SESSION_TIMEOUT, 180),
                   u32(A_BINDING_TIMEOUT, 300), u32(A_MAX_SESSIONS, 131072), u32(A_FANOUT, 8),
                   u8(A_ROAMING, 1), u32(A_NUM_PEERS, len(peers)), u32(A_NUM_SESSIONS, 2),
                   nest(A_STATS, *(u64(2 + s, s * 1000) for s in range(40))),
                   nest(A_PEERS, *peers)]


def session(index, owner, cp, ep, cp_index, initiator, local=None):
    a = [u32(1, index), attr(2, KEY[owner]), attr(3, KEY[cp]), attr(4, ep), u8(5, 1),
         u64(6, 1700000000), u64(7, 99), u64(8, 100), u64(9, 14800), u8(11, initiator),
         u32(12, cp_index), u8(13, 0)]
    if local:
        a.append(attr(14, local))
    return nest(0, *a)


dev_msg = genl(GET_DEVICE, *device(
    peer(1, 'home', sin('192.0.2.1', 51820), binding=sin('203.0.113.5', 40000),
         local=socket.inet_pton(socket.AF_INET, '198.51.100.1')),
    peer(2, 'laptop', allowed=(1, 3), binding=sin6('2001:db8::5', 51820, 0), status=3),
    peer(3, None, sin6('fe80::1', 1, 1))))
# The same device over two dump messages, the second peer split across them.
split1 = genl(GET_DEVICE, *device(peer(1, 'home'), peer(2, 'laptop', allowed=(1,))))
split2 = genl(GET_DEVICE, u32(A_IFINDEX, 1), attr(A_IFNAME, b'lo\0'), u32(A_GENERATION, 7),
              nest(A_PEERS, peer(2, None, allowed=(3,)), peer(3, 'x')))
sess_msg = genl(GET_SESSIONS, u32(A_IFINDEX, 1), attr(A_IFNAME, b'lo\0'), nest(
    A_SESSIONS,
    session(0x0a0b0c0d, 1, 2, sin('203.0.113.5', 40000), 0xffffffff, 1,
            socket.inet_pton(socket.AF_INET, '198.51.100.1')),
    session(0xffffffff, 2, 1, sin6('2001:db8::5', 51820), 0x0a0b0c0d, 0)))

for mode in range(8):
    replies = [dev_msg + done()]
    if mode in (4, 5):
        replies.append(sess_msg + done())
    write('netlink', 'show-%d' % mode, chunks(mode, *replies))
write('netlink', 'show-split', chunks(1, split1, split2 + done()))
write('netlink', 'show-intr', chunks(0, nlmsg(FAMILY, NLM_F_MULTI | NLM_F_DUMP_INTR,
                                              dev_msg[16:]) + done(), dev_msg + done()))
write('netlink', 'showconf', chunks(8, dev_msg + done()))
write('netlink', 'save', chunks(9, dev_msg + done(), sess_msg + done()))
write('netlink', 'restore', chunks(10, genl(RESTORE, nest(A_RESTORED, u32(1, 0), u32(2, 1)),
                                            flags=0) + error(0)))
write('netlink', 'flush-ack', chunks(11, error(0)))
write('netlink', 'flush-extack', chunks(11, error(-19, 'wgrelay: no device with this name')))
write('netlink', 'flush-extack-uncapped', chunks(11, error(-22, 'bad flags', capped=False)))
write('netlink', 'show-done-error', chunks(1, done(-95, 'wgrelay: not a wgrelay device')))
