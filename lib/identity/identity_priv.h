/* SPDX-License-Identifier: BSD-3-Clause */
/* identity_priv.h - What lib/identity's files share and its public header does not show. */
#ifndef PT_IDENTITY_PRIV_H
#define PT_IDENTITY_PRIV_H

#include "pt_identity.h"
#include "pt_util.h"

#endif /* PT_IDENTITY_PRIV_H */
