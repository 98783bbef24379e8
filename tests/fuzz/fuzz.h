/* SPDX-License-Identifier: GPL-2.0 */
/* What the relayctl fuzz targets share: invariant checks and captured output. */
#ifndef WGR_FUZZ_H
#define WGR_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A failed invariant is a crash: libFuzzer saves the input. */
#define CHECK(cond)                                                                   \
	do {                                                                          \
		if (!(cond)) {                                                        \
			fprintf(fuzz_stderr(), "%s:%d: invariant failed: %s\n",       \
				__FILE__, __LINE__, #cond);                           \
			abort();                                                      \
		}                                                                     \
	} while (0)

/* FUZZ_VERBOSE=1 in the environment: say what each input did (for replaying one). */
#define VERBOSE(...)                                                                  \
	do {                                                                          \
		if (getenv("FUZZ_VERBOSE"))                                           \
			fprintf(fuzz_stderr(), __VA_ARGS__);                          \
	} while (0)

/* stderr as it was before any capture (relayctl's messages go elsewhere). */
FILE *fuzz_stderr(void);

/* Text written to a FILE, collected in memory. */
struct capture {
	FILE *f;
	char *buf;
	size_t len;
};

void capture_start(struct capture *c);
/* Ends the capture: c->buf holds c->len bytes and a NUL; the caller frees it. */
void capture_end(struct capture *c);



struct wgr_device;

/*
 * showconf's promise: config_print()'s text of a resolved device reads back
 * (config_parse(), resolve_allowed()) into a device with the same settings and
 * peers, which prints the same bytes. @what names the caller in a failure.
 */
void config_roundtrip(const struct wgr_device *dev, const char *what);
#endif
