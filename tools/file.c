// SPDX-License-Identifier: GPL-2.0
/*
 * Whole files into memory, for the config and state parsers; whole files out,
 * replaced at once, for the state and metrics files.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/**
 * write_file_atomic - replace @path with what @print writes
 * @mode: the new file's permissions
 * @sync: flush it to disk before it replaces the old one (state that must
 *        survive a crash)
 * @print: writes the contents to its stream; returns 0 or a negative errno
 *         with last_error() set
 * @arg: passed to @print
 *
 * Through a temporary file beside @path, renamed over it: a rename within one
 * file system is atomic, so a reader (or a crash) sees the old file or the new,
 * never half of one. The temporary file is created 0600 and is @mode only once
 * written; on any failure it is removed and @path is left as it was.
 * Return: 0 or a negative errno with last_error() set.
 */
int write_file_atomic(const char *path, mode_t mode, bool sync,
		      int (*print)(FILE *f, const void *arg), const void *arg)
{
	char tmp[PATH_MAX];
	int fd, ret;
	FILE *f;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= sizeof(tmp)) {
		set_error("%s: path too long", path);
		return -ENAMETOOLONG;
	}
	fd = mkstemp(tmp);	/* 0600 */
	if (fd < 0) {
		ret = -errno;
		set_error("%s: %s", tmp, strerror(errno));
		return ret;
	}
	if ((mode != 0600 && fchmod(fd, mode)) || !(f = fdopen(fd, "w"))) {
		ret = -errno;
		set_error("%s: %s", tmp, strerror(errno));
		close(fd);
		goto err;
	}
	ret = print(f, arg);
	if (!ret && sync && (fflush(f) || fsync(fd))) {
		ret = -errno;
		set_error("%s: %s", tmp, strerror(errno));
	}
	if (fclose(f) && !ret) {
		ret = -errno;
		set_error("%s: %s", tmp, strerror(errno));
	}
	if (ret)
		goto err;
	if (rename(tmp, path)) {
		ret = -errno;
		set_error("%s: %s", path, strerror(errno));
		goto err;
	}
	return 0;
err:
	unlink(tmp);
	return ret;
}
