/* SPDX-License-Identifier: GPL-2.0 */
/* kshim: C11's static_assert stands for the kernel's. */
#ifndef KSHIM_LINUX_BUILD_BUG_H
#define KSHIM_LINUX_BUILD_BUG_H

#include <assert.h>

#endif
