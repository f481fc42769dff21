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
#define SYNC_PUBLISH_GAP_FACTOR 20                 /* ... and publishing takes at most 1/20 of the thread */
#define SYNC_BACKOFF_MIN_NS (500 * 1000 * 1000ULL)
#define SYNC_BACKOFF_MAX_NS (8 * PT_NS_PER_SEC)
#define SYNC_KEY_LEN (PT_CONFIG_STR_LEN + 32)
#define SYNC_ID_LEN 48                             /* "<ms>-<seq>", two 64-bit numbers */
#define SYNC_WHY_LEN (PT_REDIS_FIELD_LEN + 64)

/* What became of one command. */
enum sync_reply {
	SYNC_OK,            /* a reply to read */
	SYNC_LOST,          /* no reply: the connection is gone (dropped; reconnect with backoff) */
	SYNC_REFUSED,       /* an error reply (a key of the wrong type, an ACL without the command): connection kept */
};

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
	uint64_t consumed;                         /* entries ever added to the stream up to last_id (Redis 7) */
	bool stream_ok;                            /* the change stream can be followed (else: resync on backoff) */
	bool need_resync;
	bool was_up;                               /* for logging once per state change */
	bool ever_tried;
	bool ever_up;
	bool publish_busy;                         /* the last publish found old tables still in use */
	char refused_why[SYNC_WHY_LEN];            /* what Redis refused last, "" when everything works */
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
	s->mine.degraded = s->ctx != NULL && s->refused_why[0] != '\0';
	pthread_mutex_lock(&s->lock);
	s->shown = s->mine;
	pthread_mutex_unlock(&s->lock);
}

static uint64_t sync_backoff_next(struct pt_identity_sync *s)
{
	uint64_t wait = s->backoff_ns;

	s->backoff_ns = s->backoff_ns * 2 > SYNC_BACKOFF_MAX_NS ? SYNC_BACKOFF_MAX_NS : s->backoff_ns * 2;
	return wait;
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
	s->refused_why[0] = '\0';
	if (s->ctx != NULL)
		redisFree(s->ctx);
	s->ctx = NULL;
	s->retry_at_mono_ns = pt_time_mono_ns() + sync_backoff_next(s);
}

/* Redis answered a command with an error: said once per distinct reason, counted every time. */
static void sync_refused(struct pt_identity_sync *s, const char *why)
{
	s->mine.refused++;
	if (strcmp(why, s->refused_why) == 0)
		return;
	pt_log(PT_LOG_WARN, "identity: redis %s refused %s; the table may be incomplete, retrying with backoff",
	       s->where, why);
	snprintf(s->refused_why, sizeof(s->refused_why), "%s", why);
}

/*
 * Sort out a reply: NULL means the connection failed (dropped here); an error reply is a refusal, with the
 * reason in @p why; anything else is for the caller. Only SYNC_OK leaves the reply to be freed by the caller.
 */
static enum sync_reply sync_check(struct pt_identity_sync *s, redisReply *reply, const char *what, char *why,
				  size_t why_len)
{
	if (reply != NULL && reply->type != REDIS_REPLY_ERROR)
		return SYNC_OK;
	if (reply != NULL) {
		snprintf(why, why_len, "%s: %s", what, reply->str);
		freeReplyObject(reply);
		return SYNC_REFUSED;
	}
	snprintf(why, why_len, "%s: %s", what, s->ctx->errstr[0] ? s->ctx->errstr : "no reply");
	sync_down(s, why);
	return SYNC_LOST;
}

static bool sync_connect(struct pt_identity_sync *s)
{
	char why[SYNC_WHY_LEN];

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

/* Load one hash with HSCAN into the map. */
static enum sync_reply sync_scan(struct pt_identity_sync *s, const char *key, bool is_network)
{
	char cursor[32] = "0", why[SYNC_WHY_LEN];

	do {
		redisReply *r = redisCommand(s->ctx, "HSCAN %s %s COUNT %d", key, cursor, SYNC_SCAN_COUNT);
		const redisReply *items;
		enum sync_reply rc = sync_check(s, r, "HSCAN", why, sizeof(why));

		if (rc == SYNC_REFUSED)
			sync_refused(s, why);
		if (rc != SYNC_OK)
			return rc;
		if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 || r->element[0]->type != REDIS_REPLY_STRING ||
		    r->element[1]->type != REDIS_REPLY_ARRAY) {
			freeReplyObject(r);
			sync_down(s, "HSCAN: unexpected reply");
			return SYNC_LOST;
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
	return strcmp(cursor, "0") == 0 ? SYNC_OK : SYNC_LOST;
}

/* A stream ID "<ms>-<seq>" as two numbers; "0-0" for text that is not one. */
static void sync_id_parse(const char *text, uint64_t id[2])
{
	char *end;

	id[0] = strtoull(text, &end, 10);
	id[1] = *end == '-' ? strtoull(end + 1, NULL, 10) : 0;
}

static int sync_id_cmp(const char *a, const char *b)
{
	uint64_t x[2], y[2];

	sync_id_parse(a, x);
	sync_id_parse(b, y);
	return x[0] != y[0] ? (x[0] < y[0] ? -1 : 1) : (x[1] != y[1] ? (x[1] < y[1] ? -1 : 1) : 0);
}

/* What XINFO STREAM says about the change stream. */
struct sync_stream_info {
	bool exists;
	bool has_added;                        /* Redis 7 reports entries-added */
	uint64_t length;                       /* entries in the stream now */
	uint64_t added;                        /* entries ever added */
	char last_generated[SYNC_ID_LEN];      /* the newest ID ever added, deleted entries included */
	char first_entry[SYNC_ID_LEN];         /* the oldest ID still there; "" when empty */
};

static enum sync_reply sync_stream_info(struct pt_identity_sync *s, struct sync_stream_info *info)
{
	redisReply *r = redisCommand(s->ctx, "XINFO STREAM %s", s->key_changes);
	char why[SYNC_WHY_LEN];
	enum sync_reply rc;

	memset(info, 0, sizeof(*info));
	if (r != NULL && r->type == REDIS_REPLY_ERROR && strstr(r->str, "no such key") != NULL) {
		freeReplyObject(r);
		snprintf(info->last_generated, sizeof(info->last_generated), "0-0");
		return SYNC_OK;
	}
	rc = sync_check(s, r, "XINFO STREAM", why, sizeof(why));
	if (rc == SYNC_REFUSED)
		sync_refused(s, why);
	if (rc != SYNC_OK)
		return rc;
	info->exists = true;
	snprintf(info->last_generated, sizeof(info->last_generated), "0-0");
	for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements; i += 2) {
		const redisReply *k = r->element[i], *v = r->element[i + 1];

		if (k->type != REDIS_REPLY_STRING)
			continue;
		if (strcmp(k->str, "last-generated-id") == 0 && v->type == REDIS_REPLY_STRING) {
			snprintf(info->last_generated, sizeof(info->last_generated), "%s", v->str);
		} else if (strcmp(k->str, "length") == 0 && v->type == REDIS_REPLY_INTEGER) {
			info->length = (uint64_t)v->integer;
		} else if (strcmp(k->str, "entries-added") == 0 && v->type == REDIS_REPLY_INTEGER) {
			info->added = (uint64_t)v->integer;
			info->has_added = true;
		} else if (strcmp(k->str, "first-entry") == 0 && v->type == REDIS_REPLY_ARRAY && v->elements >= 1 &&
			   v->element[0]->type == REDIS_REPLY_STRING) {
			snprintf(info->first_entry, sizeof(info->first_entry), "%s", v->element[0]->str);
		}
	}
	freeReplyObject(r);
	return SYNC_OK;
}

/*
 * Entries the sensor has not read yet are gone: trimmed (MAXLEN) before it read them, or the stream was deleted
 * or recreated. Then only a full resync brings the table back in step. Trimming takes the oldest entries, so
 * (Redis 7) the ones gone are the first added - length; a gap is when that reaches past what was consumed.
 */
static bool sync_stream_gap(const struct pt_identity_sync *s, const struct sync_stream_info *info)
{
	bool read_some = strcmp(s->last_id, "0-0") != 0;

	if (!info->exists)
		return read_some;                                       /* deleted since */
	if (sync_id_cmp(info->last_generated, s->last_id) < 0)
		return true;                                            /* recreated with lower IDs */
	if (info->has_added)
		return info->added < s->consumed || info->added - info->length > s->consumed;
	/* Before Redis 7: the oldest entry left is newer than the last one read (perhaps with none between). */
	return read_some && info->first_entry[0] != '\0' && sync_id_cmp(info->first_entry, s->last_id) > 0;
}

static void sync_publish(struct pt_identity_sync *s)
{
	int rc = pt_workloads_publish(s->ws);

	if (rc == 1)
		s->last_publish_mono_ns = pt_time_mono_ns();
	if (rc == -EBUSY && !s->publish_busy)
		pt_log(PT_LOG_WARN, "identity: new table waits for workers still reading old ones; retrying");
	else if (rc < 0 && rc != -EBUSY)
		pt_log(PT_LOG_WARN, "identity: new table not published (%s); retrying", strerror(-rc));
	s->publish_busy = rc == -EBUSY;
}

/* Wait between two publishes: at least 100 ms, and 20 times what the last one took (a big table copies slowly). */
static uint64_t sync_publish_gap_ns(const struct pt_identity_sync *s)
{
	struct pt_workloads_stats st;

	pt_workloads_stats(s->ws, &st);
	return st.publish_ns_last * SYNC_PUBLISH_GAP_FACTOR > SYNC_PUBLISH_GAP_NS ?
		       st.publish_ns_last * SYNC_PUBLISH_GAP_FACTOR : SYNC_PUBLISH_GAP_NS;
}

/*
 * Full reload: entries gone from the hashes since the last one are removed. A hash Redis refuses leaves the
 * reload incomplete: nothing is removed, what was read is published, and it is tried again after a backoff.
 * @return false on a lost connection.
 */
static bool sync_resync(struct pt_identity_sync *s, bool loud)
{
	struct pt_workloads_stats before, after;
	struct sync_stream_info info;
	enum sync_reply stream, addrs, nets;
	uint32_t removed = 0;

	pt_workloads_stats(s->ws, &before);
	s->invalid_logged = 0;
	/* The stream's newest ID, taken before the hashes are read: following from it replays what changed during
	 * the scan. */
	stream = sync_stream_info(s, &info);
	if (stream == SYNC_LOST)
		return false;
	pt_workloads_mark(s->ws);
	addrs = sync_scan(s, s->key_addresses, false);
	if (addrs == SYNC_LOST)
		return false;
	nets = sync_scan(s, s->key_networks, true);
	if (nets == SYNC_LOST)
		return false;
	if (addrs == SYNC_OK && nets == SYNC_OK) {
		struct pt_workloads_stats mid;

		pt_workloads_stats(s->ws, &mid);
		removed = pt_workloads_sweep(s->ws);
		/* Stale entries held room that new ones were refused for: with them gone, read the hashes again. */
		if (removed > 0 && mid.full > before.full &&
		    (sync_scan(s, s->key_addresses, false) == SYNC_LOST || sync_scan(s, s->key_networks, true) == SYNC_LOST))
			return false;
	}
	s->stream_ok = stream == SYNC_OK;
	if (s->stream_ok) {
		snprintf(s->last_id, sizeof(s->last_id), "%s", info.last_generated);
		s->consumed = info.added;
	}
	s->need_resync = false;
	s->mine.resyncs++;
	if (stream == SYNC_OK && addrs == SYNC_OK && nets == SYNC_OK) {
		if (s->refused_why[0] != '\0')
			pt_log(PT_LOG_INFO, "identity: redis %s answers every command again; the table is complete",
			       s->where);
		s->refused_why[0] = '\0';
		s->backoff_ns = SYNC_BACKOFF_MIN_NS;
		s->next_resync_mono_ns = pt_time_mono_ns() + s->resync_interval_ns;
	} else {
		s->next_resync_mono_ns = pt_time_mono_ns() + sync_backoff_next(s);
	}
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

/* Check the stream for a gap, wait up to SYNC_BLOCK_MS for changes and apply them. @return false when lost. */
static bool sync_follow(struct pt_identity_sync *s)
{
	struct sync_stream_info info;
	char why[SYNC_WHY_LEN];
	enum sync_reply rc;
	redisReply *r;
	uint64_t now, gap;

	if (!s->stream_ok) {                       /* reloads on a backoff stand in for the stream */
		sync_sleep_ns(SYNC_BLOCK_MS * 1000000ULL);
		return true;
	}
	rc = sync_stream_info(s, &info);
	if (rc == SYNC_OK && sync_stream_gap(s, &info)) {
		s->mine.stream_gaps++;
		pt_log(PT_LOG_WARN, "identity: the change stream lost entries this sensor had not read (trimmed, deleted "
		       "or recreated after %s); reloading the table", s->last_id);
		s->need_resync = true;
		return true;
	}
	if (rc != SYNC_OK) {
		s->stream_ok = false;
		s->next_resync_mono_ns = pt_time_mono_ns() + sync_backoff_next(s);
		return rc != SYNC_LOST;
	}
	r = redisCommand(s->ctx, "XREAD COUNT %d BLOCK %d STREAMS %s %s", SYNC_READ_COUNT, SYNC_BLOCK_MS,
			 s->key_changes, s->last_id);
	rc = sync_check(s, r, "XREAD", why, sizeof(why));
	if (rc == SYNC_REFUSED) {
		sync_refused(s, why);
		s->stream_ok = false;
		s->next_resync_mono_ns = pt_time_mono_ns() + sync_backoff_next(s);
	}
	if (rc != SYNC_OK)
		return rc != SYNC_LOST;
	/* [[key, [[id, [field, value, ...]], ...]]], or nil when nothing came. */
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 1 && r->element[0]->type == REDIS_REPLY_ARRAY &&
	    r->element[0]->elements == 2 && r->element[0]->element[1]->type == REDIS_REPLY_ARRAY) {
		const redisReply *entries = r->element[0]->element[1];

		for (size_t i = 0; i < entries->elements; i++) {
			const redisReply *e = entries->element[i];

			if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 || e->element[0]->type != REDIS_REPLY_STRING)
				continue;
			snprintf(s->last_id, sizeof(s->last_id), "%s", e->element[0]->str);
			s->consumed++;
			if (e->element[1]->type == REDIS_REPLY_ARRAY)
				sync_apply_entry(s, e->element[1]);
		}
	}
	freeReplyObject(r);
	now = pt_time_mono_ns();
	gap = sync_publish_gap_ns(s);
	if (now < s->last_publish_mono_ns + gap)
		sync_sleep_ns(s->last_publish_mono_ns + gap - now);
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
	if (s->publish_busy)
		sync_publish(s);
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
