/* SPDX-License-Identifier: BSD-3-Clause */
/* bad_frames.h - Table of crafted frames for the drop-reason tests. */
#ifndef PT_TEST_BAD_FRAMES_H
#define PT_TEST_BAD_FRAMES_H

#include <stdbool.h>

#include "pt_decode.h"
#include "samples.h"

/* A crafted frame and the result it must give. */
struct bad_case {
	const char *name;
	void (*build)(struct pkt *p);
	uint32_t cap;                 /* bytes captured; 0: the whole frame */
	bool wire_is_cap;             /* wire_len = cap_len instead of the whole frame */
	enum pt_decode_result want;
};

/** Every crafted frame; together they reach every enum pt_decode_result value. */
extern const struct bad_case bad_cases[];
extern const unsigned int n_bad_cases;

#endif /* PT_TEST_BAD_FRAMES_H */
