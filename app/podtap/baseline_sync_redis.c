/* SPDX-License-Identifier: BSD-3-Clause */
/* baseline_sync_redis.c - What the baseline sync says to Redis: load the hashes, write edges, follow the changes. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "baseline_sync_priv.h"

/*
 * What is written, per edge, in one MULTI/EXEC per batch of SYNC_BATCH edges:
 *   HSET   <prefix>baseline:edges:<key> <edge text> <edge JSON>
 *   HSETNX <prefix>baseline:workloads <key> <workload JSON>     (the earliest learning window wins)
 *   XADD   <prefix>baseline:changes MAXLEN ~ 100000 * op learn workload <key> edge <edge> value <JSON> sensor <name>
 *          and HGET <prefix>baseline:workloads <key>             (only for an edge this sensor added)
 * The HGET tells this sensor when another one (or a relearn) set the workload's window first: the stored one is
 * then applied here too. A batch that fails stays queued and is written again (HSET is idempotent; a duplicated
 * learn entry is harmless). Queued edges that another writer's forget or relearn makes stale are dropped when its
 * entry is read, so that they do not bring back what was removed.
 */

#define SYNC_BLOCK_MS 200                          /* XREAD BLOCK: also how soon handed-over edges are written */
#define SYNC_READ_COUNT 500                        /* stream entries per XREAD */
#define SYNC_SCAN_COUNT 1000                       /* HSCAN COUNT */
#define SYNC_STREAM_MAXLEN 100000
#define SYNC_MALFORMED_LOGGED 3                    /* bad entries logged; the rest are only counted */
#define SYNC_EDGES_KEY_LEN (SYNC_KEY_LEN + PT_BASELINE_KEY_LEN)
#define SYNC_JSON_LEN 192                          /* an edge or workload JSON */

/* ---- parsing what Redis holds ------------------------------------------------------------------------------ */

/* The members of an edge or workload JSON that this file reads; others are ignored. */
struct sync_json {
	uint64_t first_seen_ns, last_seen_ns, count, learning_until_ns, asn;
	char country[3];
	unsigned seen;                     /* SEEN_* */
};

enum { SEEN_FIRST = 1, SEEN_LAST = 2, SEEN_COUNT = 4, SEEN_UNTIL = 8 };

/* A JSON number that is a non-negative integer below 2^64. @return 0 or -EINVAL. */
static int sync_json_u64(const struct pt_json_value *v, uint64_t *out)
{
	uint64_t n = 0;

	if (v->type != PT_JSON_NUMBER || v->len == 0 || v->len > 20)
		return -EINVAL;
	for (size_t i = 0; i < v->len; i++) {
		unsigned d = (unsigned)(v->text[i] - '0');

		if (d > 9 || n > (UINT64_MAX - d) / 10)
			return -EINVAL;
		n = n * 10 + d;
	}
	*out = n;
	return 0;
}

static int sync_json_member(void *ctx, const char *key, const struct pt_json_value *v)
{
	struct sync_json *j = ctx;

	if (key == NULL)                                   /* an array, not an object */
		return -EINVAL;
	if (strcmp(key, "first_seen_ns") == 0) {
		j->seen |= SEEN_FIRST;
		return sync_json_u64(v, &j->first_seen_ns);
	}
	if (strcmp(key, "last_seen_ns") == 0) {
		j->seen |= SEEN_LAST;
		return sync_json_u64(v, &j->last_seen_ns);
	}
	if (strcmp(key, "count") == 0) {
		j->seen |= SEEN_COUNT;
		return sync_json_u64(v, &j->count);
	}
	if (strcmp(key, "learning_until_ns") == 0) {
		j->seen |= SEEN_UNTIL;
		return sync_json_u64(v, &j->learning_until_ns);
	}
	if (strcmp(key, "asn") == 0)
		return sync_json_u64(v, &j->asn) < 0 || j->asn > UINT32_MAX ? -EINVAL : 0;
	if (strcmp(key, "country") == 0)
		return pt_json_string_decode(v, j->country, sizeof(j->country)) < 0 ? -EINVAL : 0;
	return 0;
}

/* @return NULL with @p st filled, or why the edge JSON is not one. */
static const char *sync_parse_edge_value(const char *text, size_t len, struct pt_baseline_edge_stats *st)
{
	struct sync_json j = { 0 };

	if (pt_json_read(text, len, sync_json_member, &j) < 0)
		return "edge JSON is not a JSON object of integers and a country code";
	if ((j.seen & (SEEN_FIRST | SEEN_LAST | SEEN_COUNT)) != (SEEN_FIRST | SEEN_LAST | SEEN_COUNT))
		return "edge JSON lacks first_seen_ns, last_seen_ns or count";
	memset(st, 0, sizeof(*st));
	st->first_seen_ns = j.first_seen_ns;
	st->last_seen_ns = j.last_seen_ns;
	st->count = j.count;
	st->asn = (uint32_t)j.asn;
	memcpy(st->country, j.country, sizeof(st->country));
	return NULL;
}

/* @return NULL with the window filled, or why the workload JSON is not one. */
static const char *sync_parse_workload_value(const char *text, size_t len, uint64_t *first_seen_ns,
					     uint64_t *learning_until_ns)
{
	struct sync_json j = { 0 };

	if (pt_json_read(text, len, sync_json_member, &j) < 0)
		return "workload JSON is not a JSON object of integers";
	if ((j.seen & (SEEN_FIRST | SEEN_UNTIL)) != (SEEN_FIRST | SEEN_UNTIL))
		return "workload JSON lacks first_seen_ns or learning_until_ns";
	*first_seen_ns = j.first_seen_ns;
	*learning_until_ns = j.learning_until_ns;
	return NULL;
}

/* A text Redis returned, checked to fit @p cap with its NUL and to hold no NUL. */
static bool sync_text_ok(const char *text, size_t len, size_t cap)
{
	return text != NULL && len > 0 && len < cap && strlen(text) == len;
}

/* A bad entry is counted; the first few are logged, so that a broken writer is named once. */
static void sync_malformed(struct pt_baseline_sync *s, const char *where, const char *what, const char *why)
{
	baseline_sync_add(s, &s->st.changes_malformed, 1);
	if (s->malformed_logged >= SYNC_MALFORMED_LOGGED)
		return;
	s->malformed_logged++;
	pt_log(PT_LOG_WARN, "baseline: ignoring %s entry '%.96s': %s%s", where, what, why,
	       s->malformed_logged == SYNC_MALFORMED_LOGGED ? " (further bad entries are only counted)" : "");
}

/* ---- replies ------------------------------------------------------------------------------------------- */

/*
 * Sort out a reply: NULL means the connection failed (dropped here); an error reply is a refusal (logged once,
 * commands paused). Only SYNC_OK leaves the reply to be freed by the caller.
 */
static enum sync_reply sync_check(struct pt_baseline_sync *s, redisReply *reply, const char *what)
{
	char why[SYNC_WHY_LEN];

	if (reply != NULL && reply->type != REDIS_REPLY_ERROR)
		return SYNC_OK;
	if (reply != NULL) {
		snprintf(why, sizeof(why), "%s: %.200s", what, reply->str);
		freeReplyObject(reply);
		baseline_sync_refused(s, why);
		return SYNC_REFUSED;
	}
	snprintf(why, sizeof(why), "%s: %.200s", what, s->ctx->errstr[0] ? s->ctx->errstr : "no reply");
	baseline_sync_down(s, why);
	return SYNC_LOST;
}

/* ---- loading the hashes ------------------------------------------------------------------------------------ */

/* A load in progress: the workload keys found, whose edges are read next. */
struct sync_load {
	struct sync_vec keys;              /* char[PT_BASELINE_KEY_LEN] each */
	const char *workload;              /* whose edges are being read */
	uint64_t workloads, edges;
};

/* One field and value of a hash. @return SYNC_OK, or SYNC_STOPPED to end the scan. */
typedef enum sync_reply (*sync_item_fn)(struct pt_baseline_sync *s, struct sync_load *ld, const redisReply *field,
					const redisReply *value);

static enum sync_reply sync_load_workload(struct pt_baseline_sync *s, struct sync_load *ld, const redisReply *field,
					  const redisReply *value)
{
	struct sync_change c = { .op = SYNC_MERGE_WORKLOAD };
	const char *why;

	if (!sync_text_ok(field->str, field->len, PT_BASELINE_KEY_LEN)) {
		sync_malformed(s, s->key_workloads, field->str, "not a workload key (empty or too long)");
		return SYNC_OK;
	}
	if (baseline_sync_vec_reserve(&ld->keys, ld->keys.n + 1, PT_BASELINE_KEY_LEN) == 0)
		memcpy((char *)ld->keys.v + (size_t)ld->keys.n++ * PT_BASELINE_KEY_LEN, field->str, field->len + 1);
	why = sync_parse_workload_value(value->str, value->len, &c.first_seen_ns, &c.learning_until_ns);
	if (why != NULL) {
		sync_malformed(s, s->key_workloads, field->str, why);
		return SYNC_OK;                            /* its edges are still read */
	}
	memcpy(c.key, field->str, field->len + 1);
	ld->workloads++;
	return baseline_sync_deliver(s, &c, true);
}

static enum sync_reply sync_load_edge(struct pt_baseline_sync *s, struct sync_load *ld, const redisReply *field,
				      const redisReply *value)
{
	struct sync_change c = { .op = SYNC_MERGE_EDGE };
	char where[SYNC_EDGES_KEY_LEN];
	const char *why = NULL;

	if (!sync_text_ok(field->str, field->len, PT_BASELINE_EDGE_TEXT_LEN) ||
	    pt_baseline_edge_parse(field->str, &c.edge) < 0)
		why = "not an edge text";
	else
		why = sync_parse_edge_value(value->str, value->len, &c.stats);
	if (why != NULL) {
		snprintf(where, sizeof(where), "%s%s", s->key_edges, ld->workload);
		sync_malformed(s, where, field->str, why);
		return SYNC_OK;
	}
	snprintf(c.key, sizeof(c.key), "%s", ld->workload);
	ld->edges++;
	return baseline_sync_deliver(s, &c, true);
}

/* Read one hash with HSCAN, each field to @p fn. */
static enum sync_reply sync_scan(struct pt_baseline_sync *s, const char *key, sync_item_fn fn, struct sync_load *ld)
{
	char cursor[32] = "0";

	do {
		redisReply *r = redisCommand(s->ctx, "HSCAN %s %s COUNT %d", key, cursor, SYNC_SCAN_COUNT);
		enum sync_reply rc = sync_check(s, r, "HSCAN");
		const redisReply *items;

		if (rc != SYNC_OK)
			return rc;
		if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 || r->element[0]->type != REDIS_REPLY_STRING ||
		    r->element[1]->type != REDIS_REPLY_ARRAY) {
			freeReplyObject(r);
			baseline_sync_down(s, "HSCAN: unexpected reply");
			return SYNC_LOST;
		}
		snprintf(cursor, sizeof(cursor), "%s", r->element[0]->str);
		items = r->element[1];
		for (size_t i = 0; i + 1 < items->elements && rc == SYNC_OK; i += 2) {
			const redisReply *f = items->element[i], *v = items->element[i + 1];

			if (f->type == REDIS_REPLY_STRING && v->type == REDIS_REPLY_STRING)
				rc = fn(s, ld, f, v);
		}
		freeReplyObject(r);
		if (rc != SYNC_OK)
			return rc;
	} while (strcmp(cursor, "0") != 0 && !atomic_load(&s->stop));
	return strcmp(cursor, "0") == 0 ? SYNC_OK : SYNC_STOPPED;
}

/* The newest ID of the change stream, "0-0" when it has none. */
static enum sync_reply sync_stream_last_id(struct pt_baseline_sync *s, char *id, size_t id_len)
{
	redisReply *r = redisCommand(s->ctx, "XREVRANGE %s + - COUNT 1", s->key_changes);
	enum sync_reply rc = sync_check(s, r, "XREVRANGE");

	if (rc != SYNC_OK)
		return rc;
	snprintf(id, id_len, "0-0");
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 1 && r->element[0]->type == REDIS_REPLY_ARRAY &&
	    r->element[0]->elements >= 1 && r->element[0]->element[0]->type == REDIS_REPLY_STRING)
		snprintf(id, id_len, "%s", r->element[0]->element[0]->str);
	freeReplyObject(r);
	return SYNC_OK;
}

enum sync_reply baseline_sync_load(struct pt_baseline_sync *s)
{
	struct sync_load ld = { 0 };
	char id[SYNC_ID_LEN], key[SYNC_EDGES_KEY_LEN];
	enum sync_reply rc;

	rc = sync_stream_last_id(s, id, sizeof(id));
	if (rc == SYNC_OK)
		rc = sync_scan(s, s->key_workloads, sync_load_workload, &ld);
	for (uint32_t i = 0; i < ld.keys.n && rc == SYNC_OK; i++) {
		ld.workload = (const char *)ld.keys.v + (size_t)i * PT_BASELINE_KEY_LEN;
		snprintf(key, sizeof(key), "%s%s", s->key_edges, ld.workload);
		rc = sync_scan(s, key, sync_load_edge, &ld);
		if (rc == SYNC_REFUSED) {
			/* One edges key refused (of another type, say) is that workload's loss, not the whole load's. */
			sync_malformed(s, key, "HSCAN", s->refused_why);
			s->paused_until_mono_ns = 0;
			s->refused_why[0] = '\0';
			rc = SYNC_OK;
		}
	}
	free(ld.keys.v);
	baseline_sync_add(s, &s->st.loaded, ld.workloads + ld.edges);
	if (rc != SYNC_OK)
		return rc;
	snprintf(s->last_id, sizeof(s->last_id), "%s", id);
	s->need_reload = false;
	pt_log(PT_LOG_INFO, "baseline: loaded %" PRIu64 " workloads and %" PRIu64 " edges from redis %s", ld.workloads,
	       ld.edges, s->where);
	return SYNC_OK;
}

/* ---- writing edges ----------------------------------------------------------------------------------------- */

/* The texts of one queued edge. @return false when one does not fit (not expected: the sizes are bounded). */
static bool sync_write_format(const struct pt_baseline_sync *s, const struct sync_write *w, char *edges_key,
			      char *edge, char *value, char *workload)
{
	struct pt_json j;
	size_t n = pt_baseline_edge_format(&w->edge, edge, PT_BASELINE_EDGE_TEXT_LEN);

	if (n == 0 || n >= PT_BASELINE_EDGE_TEXT_LEN - 1)
		return false;
	snprintf(edges_key, SYNC_EDGES_KEY_LEN, "%s%s", s->key_edges, w->key);
	pt_json_init(&j, value, SYNC_JSON_LEN);
	pt_json_begin_object(&j, NULL);
	pt_json_u64(&j, "first_seen_ns", w->stats.first_seen_ns);
	pt_json_u64(&j, "last_seen_ns", w->stats.last_seen_ns);
	pt_json_u64(&j, "count", w->stats.count);
	if (w->stats.asn != 0)
		pt_json_u64(&j, "asn", w->stats.asn);
	if (w->stats.country[0] != '\0')
		pt_json_string(&j, "country", w->stats.country);
	pt_json_end_object(&j);
	if (pt_json_finish(&j) < 0)
		return false;
	pt_json_init(&j, workload, SYNC_JSON_LEN);
	pt_json_begin_object(&j, NULL);
	pt_json_u64(&j, "first_seen_ns", w->first_seen_ns);
	pt_json_u64(&j, "learning_until_ns", w->learning_until_ns);
	pt_json_end_object(&j);
	return pt_json_finish(&j) >= 0;
}

/* The workload's window as Redis holds it (the HGET after the HSETNX): when it is not the one written, apply it. */
static void sync_window_check(struct pt_baseline_sync *s, const struct sync_write *w, const redisReply *stored)
{
	struct sync_change c = { .op = SYNC_MERGE_WORKLOAD };

	if (stored->type != REDIS_REPLY_STRING ||
	    sync_parse_workload_value(stored->str, stored->len, &c.first_seen_ns, &c.learning_until_ns) != NULL)
		return;                                    /* a bad entry is reported by the next reload */
	if (c.first_seen_ns == w->first_seen_ns && c.learning_until_ns == w->learning_until_ns)
		return;
	snprintf(c.key, sizeof(c.key), "%s", w->key);
	(void)baseline_sync_deliver(s, &c, false);         /* queue full: the next reload brings it */
}

enum sync_reply baseline_sync_write_batch(struct pt_baseline_sync *s, const struct sync_write *w, uint32_t n)
{
	char edges_key[SYNC_EDGES_KEY_LEN], edge[PT_BASELINE_EDGE_TEXT_LEN], value[SYNC_JSON_LEN];
	char workload[SYNC_JSON_LEN], why[SYNC_WHY_LEN] = "";
	int32_t hget_at[SYNC_BATCH];                       /* index of the edge's HGET reply in EXEC's, or -1 */
	uint32_t queued = 0, replies;
	redisReply *r = NULL;
	int ok = REDIS_OK;

	ok |= redisAppendCommand(s->ctx, "MULTI");
	for (uint32_t i = 0; i < n; i++) {
		hget_at[i] = -1;
		if (!sync_write_format(s, &w[i], edges_key, edge, value, workload))
			continue;
		ok |= redisAppendCommand(s->ctx, "HSET %s %s %s", edges_key, edge, value);
		ok |= redisAppendCommand(s->ctx, "HSETNX %s %s %s", s->key_workloads, w[i].key, workload);
		queued += 2;
		if (!w[i].new_edge)
			continue;
		ok |= redisAppendCommand(s->ctx, "XADD %s MAXLEN ~ %d * op learn workload %s edge %s value %s "
					 "sensor %s", s->key_changes, SYNC_STREAM_MAXLEN, w[i].key, edge, value,
					 s->sensor);
		ok |= redisAppendCommand(s->ctx, "HGET %s %s", s->key_workloads, w[i].key);
		hget_at[i] = (int32_t)queued + 1;
		queued += 2;
	}
	ok |= redisAppendCommand(s->ctx, "EXEC");
	if (ok != REDIS_OK) {
		baseline_sync_down(s, "out of memory for a batch");
		return SYNC_LOST;
	}
	/* +OK, a +QUEUED per command (or an error: NOPERM is refused here), then EXEC's array. */
	replies = queued + 2;
	for (uint32_t i = 0; i < replies; i++) {
		if (r != NULL)
			freeReplyObject(r);
		r = NULL;
		if (redisGetReply(s->ctx, (void **)&r) != REDIS_OK || r == NULL) {
			snprintf(why, sizeof(why), "EXEC: %.200s", s->ctx->errstr[0] ? s->ctx->errstr : "no reply");
			baseline_sync_down(s, why);
			return SYNC_LOST;
		}
		if (r->type == REDIS_REPLY_ERROR && why[0] == '\0')
			snprintf(why, sizeof(why), "%s: %.200s", i + 1 < replies ? "MULTI" : "EXEC", r->str);
	}
	if (why[0] == '\0' && (r->type != REDIS_REPLY_ARRAY || r->elements != queued))
		snprintf(why, sizeof(why), "EXEC: transaction discarded");
	for (size_t i = 0; why[0] == '\0' && i < r->elements; i++)
		if (r->element[i]->type == REDIS_REPLY_ERROR)
			snprintf(why, sizeof(why), "EXEC: %.200s", r->element[i]->str);   /* WRONGTYPE on a key */
	if (why[0] != '\0') {
		freeReplyObject(r);
		baseline_sync_refused(s, why);
		return SYNC_REFUSED;
	}
	for (uint32_t i = 0; i < n; i++)
		if (hget_at[i] >= 0)
			sync_window_check(s, &w[i], r->element[hget_at[i]]);
	freeReplyObject(r);
	return SYNC_OK;
}

/* ---- following the change stream --------------------------------------------------------------------------- */

/* One stream entry. @return false when the incoming queue was full (a reload follows). */
static bool sync_stream_entry(struct pt_baseline_sync *s, const redisReply *fields)
{
	const redisReply *op = NULL, *workload = NULL, *edge = NULL, *value = NULL, *sensor = NULL;
	struct sync_change c = { .from_stream = true };
	const char *why = NULL;
	bool queued;

	for (size_t i = 0; i + 1 < fields->elements; i += 2) {
		const redisReply *k = fields->element[i], *v = fields->element[i + 1];

		if (k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING)
			continue;
		if (strcmp(k->str, "op") == 0)
			op = v;
		else if (strcmp(k->str, "workload") == 0)
			workload = v;
		else if (strcmp(k->str, "edge") == 0)
			edge = v;
		else if (strcmp(k->str, "value") == 0)
			value = v;
		else if (strcmp(k->str, "sensor") == 0)
			sensor = v;
	}
	if (sensor != NULL && strcmp(sensor->str, s->sensor) == 0)
		return true;                                       /* this sensor's own: applied already */
	if (op == NULL || workload == NULL || !sync_text_ok(workload->str, workload->len, PT_BASELINE_KEY_LEN)) {
		why = "needs op and a workload key";
	} else if (edge != NULL && (!sync_text_ok(edge->str, edge->len, PT_BASELINE_EDGE_TEXT_LEN) ||
				    pt_baseline_edge_parse(edge->str, &c.edge) < 0)) {
		why = "not an edge text";
	} else if (strcmp(op->str, "learn") == 0 || strcmp(op->str, "accept") == 0) {
		c.op = SYNC_MERGE_EDGE;
		if (edge == NULL || value == NULL)
			why = "learn and accept need edge and value";
		else
			why = sync_parse_edge_value(value->str, value->len, &c.stats);
	} else if (strcmp(op->str, "forget") == 0) {
		c.op = edge != NULL ? SYNC_FORGET_EDGE : SYNC_FORGET_ALL;
	} else if (strcmp(op->str, "relearn") == 0) {
		c.op = SYNC_RELEARN;
		if (value == NULL)
			why = "relearn needs value";
		else
			why = sync_parse_workload_value(value->str, value->len, &c.first_seen_ns, &c.learning_until_ns);
	} else {
		why = "op is not learn, accept, forget or relearn";
	}
	if (why != NULL) {
		sync_malformed(s, s->key_changes, workload != NULL ? workload->str : "?", why);
		return true;
	}
	memcpy(c.key, workload->str, workload->len + 1);
	/*
	 * Queued first, purged after: edges the control side hands over before it applies the change are dropped at
	 * the hand-over (it checks the changes still queued), those handed over earlier are dropped here.
	 */
	queued = baseline_sync_deliver(s, &c, false) == SYNC_OK;
	if (c.op == SYNC_FORGET_EDGE || c.op == SYNC_FORGET_ALL || c.op == SYNC_RELEARN)
		baseline_sync_purge(s, &c);
	if (queued)
		return true;
	if (s->changes_overflowed++ == 0)
		pt_log(PT_LOG_WARN, "baseline: changes from redis arrive faster than the control thread applies them; "
		       "reloading the baselines (said once)");
	s->need_reload = true;
	return false;
}

enum sync_reply baseline_sync_follow(struct pt_baseline_sync *s)
{
	redisReply *r = redisCommand(s->ctx, "XREAD COUNT %d BLOCK %d STREAMS %s %s", SYNC_READ_COUNT, SYNC_BLOCK_MS,
				     s->key_changes, s->last_id);
	enum sync_reply rc = sync_check(s, r, "XREAD");

	if (rc != SYNC_OK)
		return rc;
	/* [[key, [[id, [field, value, ...]], ...]]], or nil when nothing came. */
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 1 && r->element[0]->type == REDIS_REPLY_ARRAY &&
	    r->element[0]->elements == 2 && r->element[0]->element[1]->type == REDIS_REPLY_ARRAY) {
		const redisReply *entries = r->element[0]->element[1];

		for (size_t i = 0; i < entries->elements; i++) {
			const redisReply *e = entries->element[i];

			if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
			    e->element[0]->type != REDIS_REPLY_STRING)
				continue;
			snprintf(s->last_id, sizeof(s->last_id), "%s", e->element[0]->str);
			if (e->element[1]->type == REDIS_REPLY_ARRAY && !sync_stream_entry(s, e->element[1]))
				break;
		}
	}
	freeReplyObject(r);
	return SYNC_OK;
}
