/* SPDX-License-Identifier: BSD-3-Clause */
/* alert_priv.h - What lib/alert's files share and its public header does not show. */
#ifndef PT_ALERT_PRIV_H
#define PT_ALERT_PRIV_H

#include "pt_alert.h"
#include "pt_util.h"

#endif /* PT_ALERT_PRIV_H */
