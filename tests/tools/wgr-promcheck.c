// SPDX-License-Identifier: GPL-2.0
/*
 * wgr-promcheck [FILE]: checks metrics (stdin without FILE) with promcheck.c's
 * strict rules. Prints "ok: N lines" or the first problem, and exits 0 or 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "promcheck.h"

int main(int argc, char *argv[])
{
	FILE *f = argc > 1 ? fopen(argv[1], "r") : stdin;
	size_t len = 0, cap = 0, n, lines = 0, i;
	char *buf = NULL, err[512];

	if (argc > 2 || !f) {
		fprintf(stderr, "usage: wgr-promcheck [FILE]%s\n", f ? "" : ": cannot open it");
		return 2;
	}
	do {
		if (len == cap) {
			cap = cap ? 2 * cap : 65536;
			buf = realloc(buf, cap);
			if (!buf) {
				fputs("wgr-promcheck: out of memory\n", stderr);
				return 2;
			}
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n);
	if (ferror(f)) {
		fputs("wgr-promcheck: read error\n", stderr);
		return 2;
	}
	if (prom_check(buf, len, err, sizeof(err))) {
		printf("wgr-promcheck: %s%s%s\n", argc > 1 ? argv[1] : "", argc > 1 ? ": " : "", err);
		return 1;
	}
	for (i = 0; i < len; i++)
		lines += buf[i] == '\n';
	printf("wgr-promcheck: ok: %zu lines\n", lines);
	free(buf);
	return 0;
}
