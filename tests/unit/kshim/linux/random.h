/* SPDX-License-Identifier: GPL-2.0 */
/* kshim: get_random_bytes() is in ../kshim.h. */
#ifndef KSHIM_LINUX_RANDOM_H
#define KSHIM_LINUX_RANDOM_H

#include "../kshim.h"

#endif
