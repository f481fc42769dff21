/* SPDX-License-Identifier: BSD-3-Clause */
/* capture_priv.h - The common part of every capture source, shared by the implementations. */
#ifndef PT_CAPTURE_PRIV_H
#define PT_CAPTURE_PRIV_H

#include "pt_capture.h"

#define PT_CAPTURE_MAX_QUEUES 128

struct pt_capture {
	const struct pt_capture_ops *ops;
	uint32_t n_queues;
	struct pt_capture_queue *queues[PT_CAPTURE_MAX_QUEUES];
	char description[160];
};

#endif /* PT_CAPTURE_PRIV_H */
