/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RELAYCTL_FILE_H
#define RELAYCTL_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

int read_whole_file(const char *path, size_t max, char **data, size_t *len);
int write_file_atomic(const char *path, mode_t mode, bool sync,
		      int (*print)(FILE *f, const void *arg), const void *arg);

#endif
