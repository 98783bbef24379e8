// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: relayctl's `set` argument parser (tools/config.c: set_args_parse()).
 * The input is the arguments after DEV, separated by NUL bytes. A refusal leaves
 * a message; an accepted command holds only valid values, peers to remove carry
 * nothing else, and once resolved its non-removed part survives showconf's round
 * trip (fuzz.h), which is what `relayctl set` followed by `showconf` relies on.
 */
#include <string.h>

#include "config.h"
#include "error.h"
#include "fuzz.h"

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wgr_device dev = { 0 };
	char *copy, *argv[MAX_ARGS + 1];
	int argc = 0;
	size_t i, start = 0;

	/* Each argument in its own allocation, so a read past its NUL is caught. */
	for (i = 0; i <= size && argc < MAX_ARGS; i++) {
		if (i < size && data[i])
			continue;
		copy = malloc(i - start + 1);
		memcpy(copy, data + start, i - start);
		copy[i - start] = '\0';
		argv[argc++] = copy;
		start = i + 1;
	}
	argv[argc] = NULL;

	set_error("%s", "");
	if (set_args_parse(&dev, argc, argv)) {
		VERBOSE("refused: %s\n", last_error());
		CHECK(last_error()[0]);
		goto out;
	}
	CHECK(dev.n_peers <= (size_t)argc / 2);
	CHECK(!(dev.set & ~DEV_HAS_ALL));
	for (i = 0; i < dev.n_peers; i++) {
		const struct wgr_peer *p = &dev.peers[i];

		CHECK(!p->name[0] || name_is_valid(p->name));
		CHECK(!p->line);
		CHECK(!(p->set & PEER_HAS_ENDPOINT) || !p->endpoint.sa.sa_family ||
		      endpoint_len(&p->endpoint));
	}
	if (resolve_allowed(&dev, NULL)) {
		VERBOSE("not resolved: %s\n", last_error());
		goto out;
	}
	VERBOSE("accepted: %zu peers\n", dev.n_peers);
	config_roundtrip(&dev, "set arguments");
out:
	device_free(&dev);
	for (i = 0; i < (size_t)argc; i++)
		free(argv[i]);
	return 0;
}
