/* SPDX-License-Identifier: BSD-3-Clause */
/* detect_priv.h - What lib/detect's files share and its public header does not show: each detector's vtable. */
#ifndef PT_DETECT_PRIV_H
#define PT_DETECT_PRIV_H

#include "pt_detect.h"
#include "pt_util.h"

extern const struct pt_detector_ops pt_detect_test_rule_ops;

#endif /* PT_DETECT_PRIV_H */
