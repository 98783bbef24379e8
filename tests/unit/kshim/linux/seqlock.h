/* SPDX-License-Identifier: GPL-2.0 */
/* kshim: one thread, so a read never has to retry (see ../kshim.h). */
#ifndef KSHIM_LINUX_SEQLOCK_H
#define KSHIM_LINUX_SEQLOCK_H

typedef struct {
	unsigned int sequence;
} seqcount_t;

#define seqcount_init(s) ((s)->sequence = 0)
#define write_seqcount_begin(s) ((s)->sequence++)
#define write_seqcount_end(s) ((s)->sequence++)
#define read_seqcount_begin(s) ((s)->sequence)
#define read_seqcount_retry(s, seq) ((s)->sequence != (seq))

#endif
