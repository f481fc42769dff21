/* SPDX-License-Identifier: BSD-3-Clause */
/* identity_sync.c - The control-side thread that keeps the workload table in step with Redis: snapshot, change stream, resync. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "podtap.h"

#define SYNC_TIMEOUT_MS 1000                       /* connect, and every reply but XREAD's */
#define SYNC_BLOCK_MS 200                          /* XREAD BLOCK: also how soon a stop is noticed */
#define SYNC_READ_COUNT 1000                       /* stream entries per XREAD */
#define SYNC_SCAN_COUNT 1000                       /* HSCAN COUNT */
#define SYNC_PUBLISH_GAP_NS (100 * 1000 * 1000ULL) /* at most ten tables a second under a flood of changes */
#define SYNC_BACKOFF_MIN_NS (500 * 1000 * 1000ULL)
#define SYNC_BACKOFF_MAX_NS (8 * PT_NS_PER_SEC)
#define SYNC_KEY_LEN (PT_CONFIG_STR_LEN + 32)
#define SYNC_ID_LEN 48                             /* "<ms>-<seq>", two 64-bit numbers */

struct pt_identity_sync {
	struct pt_workloads *ws;
	struct pt_redis_url url;
	char where[PT_REDIS_FIELD_LEN + 16];
	char key_addresses[SYNC_KEY_LEN];
	char key_networks[SYNC_KEY_LEN];
	char key_changes[SYNC_KEY_LEN];
	uint64_t resync_interval_ns;

	redisContext *ctx;
	char last_id[SYNC_ID_LEN];                 /* the change stream is followed from here */
	bool need_resync;
	bool was_up;                               /* for logging once per state change */
	bool ever_tried;
	bool ever_up;
	uint64_t retry_at_mono_ns;
	uint64_t backoff_ns;
	uint64_t next_resync_mono_ns;
	uint64_t last_publish_mono_ns;
	uint32_t invalid_logged;                   /* bad entries logged since the last resync */

	pthread_t thread;
	bool thread_started;
	_Atomic bool stop;

	pthread_mutex_t lock;                      /* guards shown */
	struct pt_output_identity_counters shown;  /* what pt_identity_sync_counters() reports */
	struct pt_output_identity_counters mine;   /* the thread's own */
};

static void sync_sleep_ns(uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / PT_NS_PER_SEC), .tv_nsec = (long)(ns % PT_NS_PER_SEC) };

	nanosleep(&ts, NULL);
}

/* Let the control side see the counters: copied under the lock after each step. */
static void sync_show(struct pt_identity_sync *s)
{
	pt_workloads_stats(s->ws, &s->mine.table);
	s->mine.redis_up = s->ctx != NULL;
	pthread_mutex_lock(&s->lock);
	s->shown = s->mine;
	pthread_mutex_unlock(&s->lock);
}

static void sync_down(struct pt_identity_sync *s, const char *why)
{
	struct pt_workloads_stats st;

	pt_workloads_stats(s->ws, &st);
	if (s->was_up || !s->ever_tried)
		pt_log(PT_LOG_WARN, "identity: redis %s unreachable (%s); keeping the last table (%" PRIu64 " addresses, %"
		       PRIu64 " networks, generation %" PRIu64 ") and retrying with backoff",
		       s->where, why, st.addresses, st.networks, st.generation);
	s->was_up = false;
	s->ever_tried = true;
	if (s->ctx != NULL)
		redisFree(s->ctx);
	s->ctx = NULL;
	s->retry_at_mono_ns = pt_time_mono_ns() + s->backoff_ns;
	s->backoff_ns = s->backoff_ns * 2 > SYNC_BACKOFF_MAX_NS ? SYNC_BACKOFF_MAX_NS : s->backoff_ns * 2;
}

/* A reply that is usable: not NULL (connection lost) and not an error. Otherwise the connection is dropped. */
static bool sync_reply_ok(struct pt_identity_sync *s, redisReply *reply, const char *what)
{
	char why[PT_REDIS_FIELD_LEN + 64];

	if (reply != NULL && reply->type != REDIS_REPLY_ERROR)
		return true;
	snprintf(why, sizeof(why), "%s: %s", what,
		 reply != NULL ? reply->str : s->ctx->errstr[0] ? s->ctx->errstr : "no reply");
	freeReplyObject(reply);
	sync_down(s, why);
	return false;
}

static bool sync_connect(struct pt_identity_sync *s)
{
	char why[PT_REDIS_FIELD_LEN + 64];

	if (s->ever_tried && pt_time_mono_ns() < s->retry_at_mono_ns)
		return false;
	s->ctx = pt_redis_connect(&s->url, SYNC_TIMEOUT_MS, why, sizeof(why));
	if (s->ctx == NULL) {
		sync_down(s, why);
		return false;
	}
	if (s->ever_up)
		s->mine.reconnects++;
	pt_log(PT_LOG_INFO, "identity: redis %s connected; loading the workload table", s->where);
	s->was_up = s->ever_up = s->ever_tried = true;
	s->backoff_ns = SYNC_BACKOFF_MIN_NS;
	s->need_resync = true;
	return true;
}

/* A bad entry is counted; the first few of each resync are logged, so that a broken writer is named once. */
static void sync_bad_entry(struct pt_identity_sync *s, const char *where, const char *field, const char *why)
{
	if (s->invalid_logged++ < 3)
		pt_log(PT_LOG_WARN, "identity: ignoring %s entry '%.64s': %s", where, field, why);
}

static void sync_set(struct pt_identity_sync *s, const char *key, const char *field, bool is_network,
		     const char *json, size_t len)
{
	char why[256];

	if (pt_workloads_set(s->ws, field, is_network, json, len, why, sizeof(why)) < 0)
		sync_bad_entry(s, key, field, why);
}

/* Load one hash with HSCAN into the map. @return false when the connection failed. */
static bool sync_scan(struct pt_identity_sync *s, const char *key, bool is_network)
{
	char cursor[32] = "0";

	do {
		redisReply *r = redisCommand(s->ctx, "HSCAN %s %s COUNT %d", key, cursor, SYNC_SCAN_COUNT);
		const redisReply *items;

		if (!sync_reply_ok(s, r, "HSCAN"))
			return false;
		if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 || r->element[0]->type != REDIS_REPLY_STRING ||
		    r->element[1]->type != REDIS_REPLY_ARRAY) {
			freeReplyObject(r);
			sync_down(s, "HSCAN: unexpected reply");
			return false;
		}
		snprintf(cursor, sizeof(cursor), "%s", r->element[0]->str);
		items = r->element[1];
		for (size_t i = 0; i + 1 < items->elements; i += 2) {
			const redisReply *f = items->element[i], *v = items->element[i + 1];

			if (f->type == REDIS_REPLY_STRING && v->type == REDIS_REPLY_STRING)
				sync_set(s, key, f->str, is_network, v->str, v->len);
		}
		freeReplyObject(r);
	} while (strcmp(cursor, "0") != 0 && !atomic_load_explicit(&s->stop, memory_order_relaxed));
	return strcmp(cursor, "0") == 0;
}

/* The newest stream ID, taken before the hashes are read: following from it replays what changed during the scan. */
static bool sync_stream_head(struct pt_identity_sync *s, char *id, size_t len)
{
	redisReply *r = redisCommand(s->ctx, "XREVRANGE %s + - COUNT 1", s->key_changes);

	if (!sync_reply_ok(s, r, "XREVRANGE"))
		return false;
	snprintf(id, len, "0-0");
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 1 && r->element[0]->type == REDIS_REPLY_ARRAY &&
	    r->element[0]->elements >= 1 && r->element[0]->element[0]->type == REDIS_REPLY_STRING)
		snprintf(id, len, "%s", r->element[0]->element[0]->str);
	freeReplyObject(r);
	return true;
}

static void sync_publish(struct pt_identity_sync *s)
{
	int rc = pt_workloads_publish(s->ws);

	if (rc == 1)
		s->last_publish_mono_ns = pt_time_mono_ns();
	else if (rc < 0)
		pt_log(PT_LOG_WARN, "identity: new table not published yet (%s); retrying", strerror(-rc));
}

/* Full reload: entries gone from the hashes since the last one are removed. @return false on a lost connection. */
static bool sync_resync(struct pt_identity_sync *s, bool loud)
{
	char head[SYNC_ID_LEN];
	struct pt_workloads_stats before, after;
	uint32_t removed;

	pt_workloads_stats(s->ws, &before);
	s->invalid_logged = 0;
	if (!sync_stream_head(s, head, sizeof(head)))
		return false;
	pt_workloads_mark(s->ws);
	if (!sync_scan(s, s->key_addresses, false) || !sync_scan(s, s->key_networks, true))
		return false;      /* no sweep: a partial scan must not remove anything */
	removed = pt_workloads_sweep(s->ws);
	snprintf(s->last_id, sizeof(s->last_id), "%s", head);
	s->need_resync = false;
	s->next_resync_mono_ns = pt_time_mono_ns() + s->resync_interval_ns;
	s->mine.resyncs++;
	sync_publish(s);
	pt_workloads_stats(s->ws, &after);
	if (loud || removed > 0 || after.generation != before.generation)
		pt_log(loud ? PT_LOG_INFO : PT_LOG_DEBUG,
		       "identity: loaded %" PRIu64 " addresses and %" PRIu64 " networks from redis (generation %" PRIu64
		       ", %u stale removed, %" PRIu64 " invalid so far)", after.addresses, after.networks,
		       after.generation, removed, after.invalid);
	return true;
}

/* One change-stream entry: op set|del, ip or cidr, identity. */
static void sync_apply_entry(struct pt_identity_sync *s, const redisReply *fields)
{
	const char *op = NULL, *field = NULL, *json = NULL;
	size_t json_len = 0;
	bool is_network = false;

	for (size_t i = 0; i + 1 < fields->elements; i += 2) {
		const redisReply *k = fields->element[i], *v = fields->element[i + 1];

		if (k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING)
			continue;
		if (strcmp(k->str, "op") == 0) {
			op = v->str;
		} else if (strcmp(k->str, "ip") == 0 || strcmp(k->str, "cidr") == 0) {
			field = v->str;
			is_network = k->str[0] == 'c';
		} else if (strcmp(k->str, "identity") == 0) {
			json = v->str;
			json_len = v->len;
		}
	}
	s->mine.stream_entries++;
	if (op != NULL && field != NULL && strcmp(op, "del") == 0) {
		if (pt_workloads_del(s->ws, field, is_network) < 0)
			sync_bad_entry(s, s->key_changes, field, "not an address or CIDR");
	} else if (op != NULL && field != NULL && json != NULL && strcmp(op, "set") == 0) {
		sync_set(s, s->key_changes, field, is_network, json, json_len);
	} else {
		s->mine.malformed_changes++;
		sync_bad_entry(s, s->key_changes, field != NULL ? field : "?", "needs op set|del, ip or cidr, and identity");
	}
}

/* Wait up to SYNC_BLOCK_MS for changes and apply them. @return false on a lost connection. */
static bool sync_follow(struct pt_identity_sync *s)
{
	redisReply *r = redisCommand(s->ctx, "XREAD COUNT %d BLOCK %d STREAMS %s %s", SYNC_READ_COUNT, SYNC_BLOCK_MS,
				     s->key_changes, s->last_id);
	uint64_t now;

	if (!sync_reply_ok(s, r, "XREAD"))
		return false;
	/* [[key, [[id, [field, value, ...]], ...]]], or nil when nothing came. */
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 1 && r->element[0]->type == REDIS_REPLY_ARRAY &&
	    r->element[0]->elements == 2 && r->element[0]->element[1]->type == REDIS_REPLY_ARRAY) {
		const redisReply *entries = r->element[0]->element[1];

		for (size_t i = 0; i < entries->elements; i++) {
			const redisReply *e = entries->element[i];

			if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 || e->element[0]->type != REDIS_REPLY_STRING)
				continue;
			snprintf(s->last_id, sizeof(s->last_id), "%s", e->element[0]->str);
			if (e->element[1]->type == REDIS_REPLY_ARRAY)
				sync_apply_entry(s, e->element[1]);
		}
	}
	freeReplyObject(r);
	now = pt_time_mono_ns();
	if (now < s->last_publish_mono_ns + SYNC_PUBLISH_GAP_NS)
		sync_sleep_ns(s->last_publish_mono_ns + SYNC_PUBLISH_GAP_NS - now);
	sync_publish(s);
	return true;
}

/* One step: connect, resync when due, else follow the stream. */
static void sync_step(struct pt_identity_sync *s)
{
	pt_workloads_reclaim(s->ws);
	if (s->ctx == NULL && !sync_connect(s)) {
		sync_sleep_ns(SYNC_BLOCK_MS * 1000000ULL);
		return;
	}
	if (s->need_resync || pt_time_mono_ns() >= s->next_resync_mono_ns) {
		bool loud = s->need_resync;

		if (!sync_resync(s, loud))
			return;
	}
	sync_follow(s);
}

static void *sync_main(void *arg)
{
	struct pt_identity_sync *s = arg;

	while (!atomic_load_explicit(&s->stop, memory_order_relaxed)) {
		sync_step(s);
		sync_show(s);
	}
	return NULL;
}

struct pt_identity_sync *pt_identity_sync_start(const struct pt_config *cfg, const struct pt_redis_url *url,
						struct pt_workloads *ws, char *err, size_t err_len)
{
	struct pt_identity_sync *s = calloc(1, sizeof(*s));

	if (s == NULL) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	s->url = *url;
	s->ws = ws;
	pt_redis_url_describe(&s->url, s->where, sizeof(s->where));
	snprintf(s->key_addresses, sizeof(s->key_addresses), "%sworkloads", cfg->redis.prefix);
	snprintf(s->key_networks, sizeof(s->key_networks), "%snetworks", cfg->redis.prefix);
	snprintf(s->key_changes, sizeof(s->key_changes), "%sworkloads:changes", cfg->redis.prefix);
	s->resync_interval_ns = cfg->identity.resync_interval_ns;
	s->backoff_ns = SYNC_BACKOFF_MIN_NS;
	snprintf(s->last_id, sizeof(s->last_id), "0-0");
	s->mine.enabled = true;
	pthread_mutex_init(&s->lock, NULL);

	/* The first snapshot is loaded before any packet, so that a capture read with -r is attributed too. */
	if (sync_connect(s))
		sync_resync(s, true);
	sync_show(s);
	if (pthread_create(&s->thread, NULL, sync_main, s) != 0) {
		snprintf(err, err_len, "cannot start the identity sync thread");
		goto free_ctx;
	}
	s->thread_started = true;
	return s;

free_ctx:
	if (s->ctx != NULL)
		redisFree(s->ctx);
	pthread_mutex_destroy(&s->lock);
	free(s);
	return NULL;
}

void pt_identity_sync_stop(struct pt_identity_sync *s)
{
	if (s == NULL)
		return;
	atomic_store_explicit(&s->stop, true, memory_order_relaxed);
	if (s->thread_started)
		pthread_join(s->thread, NULL);
	if (s->ctx != NULL)
		redisFree(s->ctx);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

void pt_identity_sync_counters(struct pt_identity_sync *s, struct pt_output_identity_counters *c)
{
	if (s == NULL) {
		memset(c, 0, sizeof(*c));
		return;
	}
	pthread_mutex_lock(&s->lock);
	*c = s->shown;
	pthread_mutex_unlock(&s->lock);
}
