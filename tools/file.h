/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RELAYCTL_FILE_H
#define RELAYCTL_FILE_H

#include <stddef.h>

int read_whole_file(const char *path, size_t max, char **data, size_t *len);

#endif
