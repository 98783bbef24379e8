/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KSHIM_LINUX_TYPES_H
#define KSHIM_LINUX_TYPES_H
#include "../kshim.h"
#include "bug.h"
#endif
