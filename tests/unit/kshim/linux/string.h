/* SPDX-License-Identifier: GPL-2.0 */
/* kshim: the C library's string functions stand for the kernel's. */
#ifndef KSHIM_LINUX_STRING_H
#define KSHIM_LINUX_STRING_H

#include <string.h>

#endif
