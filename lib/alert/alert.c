/* SPDX-License-Identifier: BSD-3-Clause */
/* alert.c - An alert's evidence and references, rule categories, and ULIDs for event.id. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "alert_priv.h"

const char *pt_alert_category_name(enum pt_alert_category c)
{
	static const char *const names[PT_ALERT_CATEGORY_MAX] = {
		"new_external_destination", "scan", "lateral_movement", "policy", "sensor_health",
	};

	return (unsigned)c < PT_ALERT_CATEGORY_MAX ? names[c] : "policy";
}

void pt_alert_release(struct pt_alert *a)
{
	if (a != NULL && a->has_flow)
		pt_flow_record_release(&a->flow);
}

static struct pt_alert_evidence *evidence_add(struct pt_alert *a, const char *key, uint8_t type)
{
	struct pt_alert_evidence *e;

	if (a->n_evidence >= PT_ALERT_EVIDENCE_MAX)
		return NULL;
	e = &a->evidence[a->n_evidence++];
	memset(e, 0, sizeof(*e));
	snprintf(e->key, sizeof(e->key), "%s", key);
	e->type = type;
	return e;
}

void pt_alert_evidence_u64(struct pt_alert *a, const char *key, uint64_t value)
{
	struct pt_alert_evidence *e = evidence_add(a, key, PT_ALERT_VALUE_U64);

	if (e != NULL)
		e->u64 = value;
}

void pt_alert_evidence_string(struct pt_alert *a, const char *key, const char *value)
{
	struct pt_alert_evidence *e = evidence_add(a, key, PT_ALERT_VALUE_STRING);

	if (e != NULL)
		snprintf(e->str, sizeof(e->str), "%s", value);
}

void pt_alert_evidence_bool(struct pt_alert *a, const char *key, bool value)
{
	struct pt_alert_evidence *e = evidence_add(a, key, PT_ALERT_VALUE_BOOL);

	if (e != NULL)
		e->u64 = value;
}

/* The 80 random bits plus one, carrying from the last byte. */
static void ulid_increment(uint8_t rand[10])
{
	for (int i = 9; i >= 0; i--)
		if (++rand[i] != 0)
			return;
}

const char *pt_ulid_make(struct pt_ulid_gen *g, uint64_t ts_ms, char out[PT_ULID_LEN])
{
	static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
	uint8_t bytes[16];

	if (ts_ms <= g->last_ms && g->last_ms != 0) {
		ts_ms = g->last_ms;             /* a clock that went back keeps the ids in order */
		ulid_increment(g->rand);
	} else if (getrandom(g->rand, sizeof(g->rand), 0) != (ssize_t)sizeof(g->rand)) {
		/* No entropy (cannot happen after boot): still unique within this generator. */
		ulid_increment(g->rand);
	}
	g->last_ms = ts_ms;
	ts_ms &= (1ULL << 48) - 1;
	for (int i = 0; i < 6; i++)
		bytes[i] = (uint8_t)(ts_ms >> (8 * (5 - i)));
	memcpy(bytes + 6, g->rand, 10);
	/* 128 bits as 26 base32 digits, most significant first (the first digit holds 3 bits). */
	for (int i = 0; i < 26; i++) {
		int bit = 128 - 5 * (26 - i);          /* index of the digit's lowest bit, from the top: may be < 0 */
		unsigned v = 0;

		for (int b = 0; b < 5; b++) {
			int pos = bit + b;             /* bit position from the most significant (0) */

			v <<= 1;
			if (pos >= 0)
				v |= (bytes[pos / 8] >> (7 - pos % 8)) & 1;
		}
		out[i] = alphabet[v];
	}
	out[26] = '\0';
	return out;
}
