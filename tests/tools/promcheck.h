/* SPDX-License-Identifier: GPL-2.0 */
#ifndef WGR_PROMCHECK_H
#define WGR_PROMCHECK_H

#include <stddef.h>

int prom_check(const char *text, size_t len, char *err, size_t errlen);

#endif
