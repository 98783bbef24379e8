// SPDX-License-Identifier: GPL-2.0
/* Whole files into memory, for the config and state parsers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "file.h"

/**
 * read_whole_file - read all of @path, up to @max bytes
 * @data: set to a malloc()ed copy (the caller frees it); NULL on error
 * @len: set to its length
 *
 * Read in chunks rather than stat(): the file may be a pipe (/dev/stdin).
 * Return: 0; or -ENOENT and the like from fopen(), -EIO, -EFBIG (over @max),
 * with last_error() naming @path.
 */
int read_whole_file(const char *path, size_t max, char **data, size_t *len)
{
	size_t cap = 0, n;
	char *buf = NULL;
	int ret = 0;
	FILE *f;

	*data = NULL;
	*len = 0;
	f = fopen(path, "r");
	if (!f) {
		ret = -errno;
		set_error("%s: %s", path, strerror(errno));
		return ret;
	}
	do {
		if (cap - *len < 65536) {
			char *d;

			cap = cap ? cap * 2 : 65536;
			d = cap > max + 65536 ? NULL : realloc(buf, cap);
			if (!d) {
				ret = -EFBIG;
				break;
			}
			buf = d;
		}
		n = fread(buf + *len, 1, cap - *len, f);
		*len += n;
	} while (n);
	if (!ret && ferror(f))
		ret = -EIO;
	else if (!ret && *len > max)
		ret = -EFBIG;
	fclose(f);
	if (ret) {
		set_error("%s: %s", path, ret == -EFBIG ? "file too large" : strerror(EIO));
		free(buf);
		*len = 0;
		return ret;
	}
	*data = buf;
	return 0;
}
