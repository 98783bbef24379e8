/* SPDX-License-Identifier: GPL-2.0 */
/* kshim: a WARN_ON_ONCE() that a test counts (kshim_warned) rather than logs. */
#ifndef KSHIM_LINUX_BUG_H
#define KSHIM_LINUX_BUG_H

#include "../kshim.h"

extern int kshim_warned;

#define WARN_ON_ONCE(x) ({ bool __w = !!(x); if (__w) kshim_warned++; __w; })

#endif
