/* SPDX-License-Identifier: GPL-2.0 */
/* kshim: the kernel's limits of its fixed-size types. */
#ifndef KSHIM_LINUX_LIMITS_H
#define KSHIM_LINUX_LIMITS_H

#include <stdint.h>

#define U8_MAX	UINT8_MAX
#define U32_MAX	UINT32_MAX

#endif
