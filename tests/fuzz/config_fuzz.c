// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: relayctl's config file parser (tools/config.c: config_parse(),
 * resolve_allowed(), config_print()). The input is a config file. A file that is
 * refused names the file in its message; one that is accepted holds only valid
 * values, and once resolved it survives showconf's round trip (fuzz.h).
 */
#include <string.h>

#include "config.h"
#include "error.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wgr_device dev = { 0 };
	size_t i;

	if (config_parse(&dev, (const char *)data, size, "fuzz.conf")) {
		VERBOSE("refused: %s\n", last_error());
		CHECK(!strncmp(last_error(), "fuzz.conf:", 10));
		goto out;
	}
	CHECK(dev.n_peers <= WGRELAY_MAX_PEERS);
	CHECK(!(dev.set & ~DEV_HAS_ALL));
	CHECK(!(dev.set & DEV_HAS_LISTEN_PORT) || dev.listen_port);
	CHECK(!(dev.set & DEV_HAS_FANOUT) || dev.fanout <= WGRELAY_MAX_FANOUT);
	for (i = 0; i < dev.n_peers; i++) {
		const struct wgr_peer *p = &dev.peers[i];

		CHECK(!p->name[0] || name_is_valid(p->name));
		CHECK(p->line >= 1 && !p->remove);
		CHECK(!(p->set & PEER_HAS_ENDPOINT) || endpoint_len(&p->endpoint));
	}
	if (resolve_allowed(&dev, NULL)) {
		VERBOSE("not resolved: %s\n", last_error());
		goto out;
	}
	VERBOSE("accepted: %zu peers\n", dev.n_peers);
	for (i = 0; i < dev.n_peers; i++)
		CHECK(dev.peers[i].n_allowed <= WGRELAY_MAX_ALLOWED_PEERS &&
		      !dev.peers[i].allowed_spec);
	config_roundtrip(&dev, "config");
out:
	device_free(&dev);
	return 0;
}
