/* SPDX-License-Identifier: BSD-3-Clause */
/* baseline_sync.c - The thread that shares the baselines through Redis: load, write learned edges, follow changes. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "podtap.h"
#include "pt_baseline.h"

/*
 * Who touches what. The baselines (struct pt_baseline) belong to the control thread: this file's thread never
 * touches them. Two queues under s->lock join the two:
 *   outgoing  control -> thread: edges to write (struct sync_write), handed over every baseline.sync_interval;
 *   incoming  thread -> control: changes to apply (struct sync_change), from the change stream and from reloads.
 * Each side swaps a whole queue with an empty buffer of its own, so the lock is held for a pointer swap (or a copy
 * when the other side has not taken the last one yet), never for a Redis command or for applying changes.
 *
 * What is written, per edge, in one MULTI/EXEC per batch of SYNC_BATCH edges:
 *   HSET   <prefix>baseline:edges:<key> <edge text> <edge JSON>
 *   HSETNX <prefix>baseline:workloads <key> <workload JSON>     (the earliest learning window wins)
 *   XADD   <prefix>baseline:changes MAXLEN ~ 100000 * op learn workload <key> edge <edge> value <JSON> sensor <name>
 *          and HGET <prefix>baseline:workloads <key>             (only for an edge this sensor added)
 * The HGET tells this sensor when another one (or a relearn) set the workload's window first: the stored one is
 * then applied here too. A batch that fails stays queued and is written again (HSET is idempotent; a duplicated
 * learn entry is harmless). Queued edges that another writer's forget or relearn makes stale are dropped when its
 * entry is read, so that they do not bring back what was removed.
 *
 * Limits, on purpose:
 * - The outgoing queue holds at most SYNC_QUEUE_MAX edges. When it is full (Redis away for long), the control
 *   thread hands over only what fits and the rest stays dirty in the baselines, handed over later: nothing is
 *   dropped while the sensor runs. What stop() cannot write is counted in write_dropped and logged.
 * - The incoming queue holds at most SYNC_QUEUE_MAX changes. Stream entries that do not fit are dropped and a
 *   full reload follows; a reload waits for room instead (it is the remedy).
 * - A reload merges: workloads and edges in Redis are added or updated here, but an edge forgotten in Redis while
 *   this sensor was disconnected (or while its incoming queue overflowed) stays in memory until the sensor
 *   restarts.
 * - Entries written under this sensor's name are skipped when read back: two sensors must not share a name.
 */

#define SYNC_TIMEOUT_MS 2000                       /* connect, and every reply but XREAD's */
#define SYNC_BLOCK_MS 200                          /* XREAD BLOCK: also how soon handed-over edges are written */
#define SYNC_READ_COUNT 500                        /* stream entries per XREAD */
#define SYNC_SCAN_COUNT 1000                       /* HSCAN COUNT */
#define SYNC_BATCH 256                             /* edges per MULTI/EXEC */
#define SYNC_QUEUE_MAX 65536                       /* entries in each queue */
#define SYNC_QUEUE_KEEP 1024                       /* a drained queue buffer larger than this is freed */
#define SYNC_STREAM_MAXLEN 100000
#define SYNC_BACKOFF_MIN_NS (250 * 1000 * 1000ULL)
#define SYNC_BACKOFF_MAX_NS (8 * PT_NS_PER_SEC)
#define SYNC_IDLE_NS (50 * 1000 * 1000ULL)         /* sleep while disconnected or paused: how soon a stop is seen */
#define SYNC_NAP_NS (5 * 1000 * 1000ULL)           /* sleep while waiting for the other side of a queue */
#define SYNC_STOP_WAIT_NS (10 * PT_NS_PER_SEC)
#define SYNC_MALFORMED_LOGGED 3                    /* bad entries logged; the rest are only counted */
#define SYNC_KEY_LEN 96                            /* redis.prefix (< 64) + "baseline:workloads" */
#define SYNC_EDGES_KEY_LEN (SYNC_KEY_LEN + PT_BASELINE_KEY_LEN)
#define SYNC_ID_LEN 48                             /* "<ms>-<seq>", two 64-bit numbers */
#define SYNC_WHY_LEN (PT_REDIS_FIELD_LEN + 64)
#define SYNC_JSON_LEN 192                          /* an edge or workload JSON */

/* What became of one command or of a series of them. */
enum sync_reply {
	SYNC_OK,
	SYNC_LOST,          /* no reply: the connection is gone (dropped; reconnect with backoff) */
	SYNC_REFUSED,       /* an error reply (WRONGTYPE, NOPERM): connection kept, commands paused for a backoff */
	SYNC_STOPPED,       /* stop() came while waiting for room in the incoming queue */
};

/* What a change does to the baselines. */
enum sync_op {
	SYNC_MERGE_EDGE,        /* learn, accept, or an edge of a reload: pt_baseline_merge_edge */
	SYNC_MERGE_WORKLOAD,    /* a workload of a reload: pt_baseline_merge_workload */
	SYNC_FORGET_EDGE,       /* forget with an edge */
	SYNC_FORGET_ALL,        /* forget without one */
	SYNC_RELEARN,
};

/* A change for the control thread to apply, parsed by the thread. */
struct sync_change {
	uint8_t op;                            /* enum sync_op */
	bool from_stream;                      /* counted in changes_applied (a reload's are counted in loaded) */
	char key[PT_BASELINE_KEY_LEN];
	struct pt_baseline_edge edge;          /* MERGE_EDGE, FORGET_EDGE */
	struct pt_baseline_edge_stats stats;   /* MERGE_EDGE */
	uint64_t first_seen_ns;                /* MERGE_WORKLOAD, RELEARN */
	uint64_t learning_until_ns;
};

/* An edge for the thread to write, as the control thread took it from the baselines (formatted by the thread). */
struct sync_write {
	char key[PT_BASELINE_KEY_LEN];
	struct pt_baseline_edge edge;
	struct pt_baseline_edge_stats stats;
	uint64_t first_seen_ns;                /* the workload's window */
	uint64_t learning_until_ns;
	bool new_edge;
};

/* A growable array of fixed-size entries. */
struct sync_vec {
	void *v;
	uint32_t n, cap;
};

struct pt_baseline_sync {
	struct pt_redis_url url;
	char where[PT_REDIS_FIELD_LEN + 16];
	char sensor[PT_CONFIG_STR_LEN];
	char key_workloads[SYNC_KEY_LEN];
	char key_changes[SYNC_KEY_LEN];
	char key_edges[SYNC_KEY_LEN];              /* "<prefix>baseline:edges:", the workload key follows */
	uint64_t sync_interval_ns;

	/* The thread's (and start()'s, before the thread runs). */
	redisContext *ctx;
	struct pt_baseline *load_into;             /* start()'s load goes straight into the baselines; then NULL */
	char last_id[SYNC_ID_LEN];                 /* the change stream is followed from here */
	bool need_reload;
	bool was_up;                               /* for logging once per state change */
	bool ever_tried;
	bool ever_up;
	char refused_why[SYNC_WHY_LEN];            /* what Redis refused last, "" when everything works */
	uint64_t retry_at_mono_ns;                 /* next connection attempt */
	uint64_t paused_until_mono_ns;             /* no command before this, after a refusal */
	uint64_t backoff_ns;
	uint32_t malformed_logged;
	uint64_t changes_overflowed;               /* stream entries dropped: the incoming queue was full */
	struct sync_vec sending;                   /* struct sync_write, taken from outgoing; written up to sent */
	uint32_t sent;

	/* The control thread's. */
	struct sync_vec applying;                  /* struct sync_change, taken from incoming */
	struct sync_vec handing;                   /* struct sync_write, on their way to outgoing */
	uint64_t handing_lost;                     /* out of memory while handing over */
	uint64_t last_handover_mono_ns;

	pthread_t thread;
	bool thread_started;
	_Atomic bool stopping;                     /* stop() waits: write what is queued, read nothing more */
	_Atomic bool stop;                         /* the thread ends */

	pthread_mutex_t lock;                      /* guards what follows */
	struct sync_vec incoming;                  /* struct sync_change */
	struct sync_vec outgoing;                  /* struct sync_write */
	uint32_t in_flight;                        /* entries of sending not written yet */
	bool gave_up;                              /* stopping, and Redis is away or refuses: nothing more is written */
	struct pt_baseline_sync_stats st;
};

static void sync_sleep_ns(uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / PT_NS_PER_SEC), .tv_nsec = (long)(ns % PT_NS_PER_SEC) };

	nanosleep(&ts, NULL);
}

/* ---- queues ---------------------------------------------------------------------------------------------- */

/* Room for @p need entries of @p size bytes. @return 0 or -ENOMEM. */
static int vec_reserve(struct sync_vec *q, uint32_t need, size_t size)
{
	uint32_t cap = q->cap ? q->cap : 64;
	void *v;

	if (need <= q->cap)
		return 0;
	while (cap < need)
		cap *= 2;
	if ((v = realloc(q->v, (size_t)cap * size)) == NULL)
		return -ENOMEM;
	q->v = v;
	q->cap = cap;
	return 0;
}

/* Empty @p q, freeing its buffer when a burst made it large. */
static void vec_clear(struct sync_vec *q)
{
	q->n = 0;
	if (q->cap > SYNC_QUEUE_KEEP) {
		free(q->v);
		q->v = NULL;
		q->cap = 0;
	}
}

static void vec_swap(struct sync_vec *a, struct sync_vec *b)
{
	struct sync_vec t = *a;

	*a = *b;
	*b = t;
}

static void sync_add(struct pt_baseline_sync *s, uint64_t *counter, uint64_t n)
{
	pthread_mutex_lock(&s->lock);
	*counter += n;
	pthread_mutex_unlock(&s->lock);
}

static bool sync_gave_up(struct pt_baseline_sync *s)
{
	bool gave_up;

	pthread_mutex_lock(&s->lock);
	gave_up = s->gave_up;
	pthread_mutex_unlock(&s->lock);
	return gave_up;
}

/* ---- applying changes (the control thread, or start() before the thread runs) ------------------------------ */

static void sync_apply(struct pt_baseline *b, const struct sync_change *c)
{
	switch ((enum sync_op)c->op) {
	case SYNC_MERGE_EDGE:
		(void)pt_baseline_merge_edge(b, c->key, &c->edge, &c->stats);   /* a cap: counted by the baselines */
		break;
	case SYNC_MERGE_WORKLOAD:
		(void)pt_baseline_merge_workload(b, c->key, c->first_seen_ns, c->learning_until_ns);
		break;
	case SYNC_FORGET_EDGE:
		pt_baseline_forget(b, c->key, &c->edge);
		break;
	case SYNC_FORGET_ALL:
		pt_baseline_forget(b, c->key, NULL);
		break;
	case SYNC_RELEARN:
		(void)pt_baseline_relearn(b, c->key, c->first_seen_ns, c->learning_until_ns);
		break;
	}
}

/*
 * Pass a change on: applied at once during start()'s load, else queued for the control thread. When the queue is
 * full, wait for room if @p wait (a reload), else give up (a stream entry).
 * @return SYNC_OK, SYNC_REFUSED (full, not waiting) or SYNC_STOPPED.
 */
static enum sync_reply sync_deliver(struct pt_baseline_sync *s, const struct sync_change *c, bool wait)
{
	if (s->load_into != NULL) {
		sync_apply(s->load_into, c);
		return SYNC_OK;
	}
	for (;;) {
		bool queued = false;

		pthread_mutex_lock(&s->lock);
		if (s->incoming.n < SYNC_QUEUE_MAX && vec_reserve(&s->incoming, s->incoming.n + 1, sizeof(*c)) == 0) {
			((struct sync_change *)s->incoming.v)[s->incoming.n++] = *c;
			queued = true;
		}
		pthread_mutex_unlock(&s->lock);
		if (queued)
			return SYNC_OK;
		if (!wait)
			return SYNC_REFUSED;
		if (atomic_load(&s->stopping) || atomic_load(&s->stop))
			return SYNC_STOPPED;
		sync_sleep_ns(SYNC_NAP_NS);
	}
}

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
	sync_add(s, &s->st.changes_malformed, 1);
	if (s->malformed_logged >= SYNC_MALFORMED_LOGGED)
		return;
	s->malformed_logged++;
	pt_log(PT_LOG_WARN, "baseline: ignoring %s entry '%.96s': %s%s", where, what, why,
	       s->malformed_logged == SYNC_MALFORMED_LOGGED ? " (further bad entries are only counted)" : "");
}

/* ---- the connection ------------------------------------------------------------------------------------ */

static uint64_t sync_backoff_next(struct pt_baseline_sync *s)
{
	uint64_t wait = s->backoff_ns;

	s->backoff_ns = s->backoff_ns * 2 > SYNC_BACKOFF_MAX_NS ? SYNC_BACKOFF_MAX_NS : s->backoff_ns * 2;
	return wait;
}

static void sync_set_up(struct pt_baseline_sync *s, bool up)
{
	pthread_mutex_lock(&s->lock);
	s->st.redis_up = up;
	if (!up && atomic_load(&s->stopping))
		s->gave_up = true;
	pthread_mutex_unlock(&s->lock);
}

static void sync_down(struct pt_baseline_sync *s, const char *why)
{
	if (!s->ever_tried && s->load_into != NULL)
		pt_log(PT_LOG_WARN, "baseline: redis %s unreachable (%s); starting with empty baselines, retrying with "
		       "backoff", s->where, why);
	else if (s->was_up || !s->ever_tried)
		pt_log(PT_LOG_WARN, "baseline: redis %s unreachable (%s); learned edges wait in memory, retrying with "
		       "backoff", s->where, why);
	s->was_up = false;
	s->ever_tried = true;
	s->refused_why[0] = '\0';
	if (s->ctx != NULL)
		redisFree(s->ctx);
	s->ctx = NULL;
	s->retry_at_mono_ns = pt_time_mono_ns() + sync_backoff_next(s);
	sync_set_up(s, false);
}

/* Redis answered with an error: said once per distinct reason; every command waits for a backoff. */
static void sync_refused(struct pt_baseline_sync *s, const char *why)
{
	if (strcmp(why, s->refused_why) != 0)
		pt_log(PT_LOG_WARN, "baseline: redis %s refused %s; the baselines in redis may be incomplete or stale, "
		       "retrying with backoff", s->where, why);
	snprintf(s->refused_why, sizeof(s->refused_why), "%s", why);
	s->paused_until_mono_ns = pt_time_mono_ns() + sync_backoff_next(s);
	if (atomic_load(&s->stopping)) {
		pthread_mutex_lock(&s->lock);
		s->gave_up = true;
		pthread_mutex_unlock(&s->lock);
	}
}

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
		sync_refused(s, why);
		return SYNC_REFUSED;
	}
	snprintf(why, sizeof(why), "%s: %.200s", what, s->ctx->errstr[0] ? s->ctx->errstr : "no reply");
	sync_down(s, why);
	return SYNC_LOST;
}

/* Connect when the backoff allows (while stopping: once, at once). A new connection wants a reload. */
static bool sync_connect(struct pt_baseline_sync *s)
{
	char why[SYNC_WHY_LEN];

	if (atomic_load(&s->stopping) ? sync_gave_up(s) : s->ever_tried && pt_time_mono_ns() < s->retry_at_mono_ns)
		return false;
	s->ctx = pt_redis_connect(&s->url, SYNC_TIMEOUT_MS, why, sizeof(why));
	if (s->ctx == NULL) {
		sync_down(s, why);
		return false;
	}
	if (s->ever_up)
		sync_add(s, &s->st.reconnects, 1);
	if (!s->was_up)
		pt_log(PT_LOG_INFO, "baseline: redis %s connected; %s the baselines", s->where,
		       s->ever_up ? "reloading" : "loading");
	s->was_up = s->ever_up = s->ever_tried = true;
	s->need_reload = true;
	s->paused_until_mono_ns = 0;
	sync_set_up(s, true);
	return true;
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
	if (vec_reserve(&ld->keys, ld->keys.n + 1, PT_BASELINE_KEY_LEN) == 0)
		memcpy((char *)ld->keys.v + (size_t)ld->keys.n++ * PT_BASELINE_KEY_LEN, field->str, field->len + 1);
	why = sync_parse_workload_value(value->str, value->len, &c.first_seen_ns, &c.learning_until_ns);
	if (why != NULL) {
		sync_malformed(s, s->key_workloads, field->str, why);
		return SYNC_OK;                            /* its edges are still read */
	}
	memcpy(c.key, field->str, field->len + 1);
	ld->workloads++;
	return sync_deliver(s, &c, true);
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
	return sync_deliver(s, &c, true);
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
			sync_down(s, "HSCAN: unexpected reply");
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

/*
 * Load every workload and edge: into the baselines during start(), to the control thread after. The stream's
 * newest ID is taken first, so that following it from there replays what changed during the scan.
 */
static enum sync_reply sync_load(struct pt_baseline_sync *s)
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
	}
	free(ld.keys.v);
	sync_add(s, &s->st.loaded, ld.workloads + ld.edges);
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
	(void)sync_deliver(s, &c, false);                  /* queue full: the next reload brings it */
}

/* MULTI, the commands of each edge, EXEC, pipelined; then the replies. */
static enum sync_reply sync_write_batch(struct pt_baseline_sync *s, const struct sync_write *w, uint32_t n)
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
		sync_down(s, "out of memory for a batch");
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
			sync_down(s, why);
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
		sync_refused(s, why);
		return SYNC_REFUSED;
	}
	for (uint32_t i = 0; i < n; i++)
		if (hget_at[i] >= 0)
			sync_window_check(s, &w[i], r->element[hget_at[i]]);
	freeReplyObject(r);
	return SYNC_OK;
}

/* Write every edge handed over, in batches; a batch that fails stays for the next call. */
static enum sync_reply sync_write_pending(struct pt_baseline_sync *s)
{
	while (!atomic_load(&s->stop)) {
		const struct sync_write *w;
		enum sync_reply rc;
		uint32_t n;

		if (s->sent == s->sending.n) {
			vec_clear(&s->sending);
			s->sent = 0;
			pthread_mutex_lock(&s->lock);
			vec_swap(&s->sending, &s->outgoing);
			s->in_flight = s->sending.n;
			pthread_mutex_unlock(&s->lock);
			if (s->sending.n == 0)
				return SYNC_OK;
		}
		w = (const struct sync_write *)s->sending.v + s->sent;
		n = s->sending.n - s->sent < SYNC_BATCH ? s->sending.n - s->sent : SYNC_BATCH;
		rc = sync_write_batch(s, w, n);
		if (rc != SYNC_OK)
			return rc;
		s->sent += n;
		pthread_mutex_lock(&s->lock);
		s->in_flight -= n;
		s->st.written += n;
		pthread_mutex_unlock(&s->lock);
	}
	return SYNC_STOPPED;
}

static bool sync_write_matches(const struct sync_write *w, const struct sync_change *c)
{
	char a[PT_BASELINE_EDGE_TEXT_LEN], b[PT_BASELINE_EDGE_TEXT_LEN];

	if (strcmp(w->key, c->key) != 0)
		return false;
	if (c->op != SYNC_FORGET_EDGE)
		return true;
	pt_baseline_edge_format(&w->edge, a, sizeof(a));
	pt_baseline_edge_format(&c->edge, b, sizeof(b));
	return strcmp(a, b) == 0;
}

/* Remove the entries of @p q from @p from on that @p c makes stale. @return entries removed. */
static uint32_t sync_writes_purge(struct sync_vec *q, uint32_t from, const struct sync_change *c)
{
	struct sync_write *w = q->v;
	uint32_t kept = from;

	uint32_t removed;

	for (uint32_t i = from; i < q->n; i++)
		if (!sync_write_matches(&w[i], c))
			w[kept++] = w[i];
	removed = q->n - kept;
	q->n = kept;
	return removed;
}

/*
 * Another writer forgot edges or restarted a workload's learning: queued edges of it were taken before the
 * control thread applies that, and writing them now would bring back what was removed. Drop them.
 */
static void sync_purge(struct pt_baseline_sync *s, const struct sync_change *c)
{
	uint32_t removed = sync_writes_purge(&s->sending, s->sent, c);

	pthread_mutex_lock(&s->lock);
	sync_writes_purge(&s->outgoing, 0, c);
	s->in_flight -= removed;
	pthread_mutex_unlock(&s->lock);
}

/* ---- following the change stream --------------------------------------------------------------------------- */

/* One stream entry. @return false when the incoming queue was full (a reload follows). */
static bool sync_stream_entry(struct pt_baseline_sync *s, const redisReply *fields)
{
	const redisReply *op = NULL, *workload = NULL, *edge = NULL, *value = NULL, *sensor = NULL;
	struct sync_change c = { .from_stream = true };
	const char *why = NULL;

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
	if (c.op != SYNC_MERGE_EDGE)
		sync_purge(s, &c);
	if (sync_deliver(s, &c, false) == SYNC_OK)
		return true;
	if (s->changes_overflowed++ == 0)
		pt_log(PT_LOG_WARN, "baseline: changes from redis arrive faster than the control thread applies them; "
		       "reloading the baselines (said once)");
	s->need_reload = true;
	return false;
}

/* Wait up to SYNC_BLOCK_MS for changes of other writers and queue them. */
static enum sync_reply sync_follow(struct pt_baseline_sync *s)
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

/* ---- the thread ------------------------------------------------------------------------------------------ */

/* One pass: connect, reload when due, write what was handed over, then follow the stream. */
static void sync_pass(struct pt_baseline_sync *s)
{
	bool stopping = atomic_load(&s->stopping);

	if (s->ctx == NULL && !sync_connect(s)) {
		sync_sleep_ns(stopping ? SYNC_NAP_NS : SYNC_IDLE_NS);
		return;
	}
	if (pt_time_mono_ns() < s->paused_until_mono_ns) {
		sync_sleep_ns(stopping ? SYNC_NAP_NS : SYNC_IDLE_NS);
		return;
	}
	if (s->need_reload && !stopping) {
		enum sync_reply rc = sync_load(s);          /* refused: write anyway, load again after the backoff */

		if (rc == SYNC_LOST || rc == SYNC_STOPPED)
			return;
	}
	if (sync_write_pending(s) != SYNC_OK)
		return;
	if (stopping) {                                /* stop() hands over the rest and waits */
		sync_sleep_ns(SYNC_NAP_NS);
		return;
	}
	if (s->need_reload || sync_follow(s) != SYNC_OK)
		return;
	if (s->refused_why[0] != '\0')
		pt_log(PT_LOG_INFO, "baseline: redis %s answers every command again", s->where);
	s->refused_why[0] = '\0';
	s->backoff_ns = SYNC_BACKOFF_MIN_NS;
}

static void *sync_main(void *arg)
{
	struct pt_baseline_sync *s = arg;

	while (!atomic_load(&s->stop))
		sync_pass(s);
	return NULL;
}

/* ---- the control thread's side ------------------------------------------------------------------------------ */

static void sync_take(void *ctx, const char *key, const struct pt_baseline_workload_info *info,
		      const struct pt_baseline_edge *e, const struct pt_baseline_edge_stats *stats, bool new_edge)
{
	struct pt_baseline_sync *s = ctx;
	struct sync_write *w;

	if (vec_reserve(&s->handing, s->handing.n + 1, sizeof(*w)) < 0) {
		s->handing_lost++;
		return;
	}
	w = (struct sync_write *)s->handing.v + s->handing.n++;
	snprintf(w->key, sizeof(w->key), "%s", key);
	w->edge = *e;
	w->stats = *stats;
	w->first_seen_ns = info->first_seen_ns;
	w->learning_until_ns = info->learning_until_ns;
	w->new_edge = new_edge;
}

/*
 * Hand @p b's dirty edges to the thread, as many as the outgoing queue has room for (the rest stay dirty).
 * @return true when every dirty edge was handed over.
 */
static bool sync_hand_over(struct pt_baseline_sync *s, struct pt_baseline *b)
{
	uint32_t room, taken;

	pthread_mutex_lock(&s->lock);
	room = s->outgoing.n + s->in_flight >= SYNC_QUEUE_MAX ? 0 : SYNC_QUEUE_MAX - s->outgoing.n - s->in_flight;
	pthread_mutex_unlock(&s->lock);
	if (room == 0)
		return false;
	taken = pt_baseline_take_dirty(b, room, sync_take, s);
	if (s->handing.n == 0 && s->handing_lost == 0)
		return taken < room;
	pthread_mutex_lock(&s->lock);
	if (s->outgoing.n == 0) {
		vec_swap(&s->outgoing, &s->handing);
	} else if (vec_reserve(&s->outgoing, s->outgoing.n + s->handing.n, sizeof(struct sync_write)) == 0) {
		memcpy((struct sync_write *)s->outgoing.v + s->outgoing.n, s->handing.v,
		       (size_t)s->handing.n * sizeof(struct sync_write));
		s->outgoing.n += s->handing.n;
	} else {
		s->handing_lost += s->handing.n;
	}
	s->st.write_dropped += s->handing_lost;
	pthread_mutex_unlock(&s->lock);
	if (s->handing_lost > 0)
		pt_log(PT_LOG_WARN, "baseline: out of memory: %" PRIu64 " edges not queued for redis", s->handing_lost);
	s->handing_lost = 0;
	vec_clear(&s->handing);
	return taken < room;
}

struct pt_baseline_sync *pt_baseline_sync_start(const struct pt_config *cfg, const struct pt_redis_url *url,
						const char *sensor_name, struct pt_baseline *b, char *err,
						size_t err_len)
{
	struct pt_baseline_sync *s = calloc(1, sizeof(*s));

	if (s == NULL) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	s->url = *url;
	pt_redis_url_describe(&s->url, s->where, sizeof(s->where));
	snprintf(s->sensor, sizeof(s->sensor), "%s", sensor_name != NULL ? sensor_name : "");
	snprintf(s->key_workloads, sizeof(s->key_workloads), "%sbaseline:workloads", cfg->redis.prefix);
	snprintf(s->key_changes, sizeof(s->key_changes), "%sbaseline:changes", cfg->redis.prefix);
	snprintf(s->key_edges, sizeof(s->key_edges), "%sbaseline:edges:", cfg->redis.prefix);
	s->sync_interval_ns = cfg->baseline.sync_interval_ns;
	s->backoff_ns = SYNC_BACKOFF_MIN_NS;
	snprintf(s->last_id, sizeof(s->last_id), "0-0");
	s->last_handover_mono_ns = pt_time_mono_ns();
	pthread_mutex_init(&s->lock, NULL);

	/* Loaded before any flow is checked, so that a capture read with -r already knows what other runs learned. */
	s->load_into = b;
	if (sync_connect(s))
		(void)sync_load(s);                        /* a failure: the thread reconnects or retries and reloads */
	s->load_into = NULL;
	if (pthread_create(&s->thread, NULL, sync_main, s) != 0) {
		snprintf(err, err_len, "cannot start the baseline sync thread");
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

void pt_baseline_sync_step(struct pt_baseline_sync *s, struct pt_baseline *b)
{
	uint64_t applied = 0, now;

	if (s == NULL || b == NULL)
		return;
	pthread_mutex_lock(&s->lock);
	vec_swap(&s->incoming, &s->applying);
	pthread_mutex_unlock(&s->lock);
	for (uint32_t i = 0; i < s->applying.n; i++) {
		const struct sync_change *c = (const struct sync_change *)s->applying.v + i;

		sync_apply(b, c);
		applied += c->from_stream;
	}
	vec_clear(&s->applying);
	if (applied > 0)
		sync_add(s, &s->st.changes_applied, applied);
	now = pt_time_mono_ns();
	if (now - s->last_handover_mono_ns >= s->sync_interval_ns) {
		sync_hand_over(s, b);
		s->last_handover_mono_ns = now;
	}
}

static void sync_count(void *ctx, const char *key, const struct pt_baseline_workload_info *info,
		       const struct pt_baseline_edge *e, const struct pt_baseline_edge_stats *stats, bool new_edge)
{
	(void)key;
	(void)info;
	(void)e;
	(void)stats;
	(void)new_edge;
	(*(uint64_t *)ctx)++;
}

void pt_baseline_sync_stop(struct pt_baseline_sync *s, struct pt_baseline *b)
{
	uint64_t deadline = pt_time_mono_ns() + SYNC_STOP_WAIT_NS, unwritten = 0;
	bool all_handed = b == NULL, gave_up = false;

	if (s == NULL)
		return;
	atomic_store(&s->stopping, true);
	/* Hand over every dirty edge (in rounds when the queue is full) and let the thread write them. */
	while (s->thread_started && pt_time_mono_ns() < deadline) {
		uint32_t pending;

		if (!all_handed)
			all_handed = sync_hand_over(s, b);
		pthread_mutex_lock(&s->lock);
		pending = s->outgoing.n + s->in_flight;
		gave_up = s->gave_up;
		pthread_mutex_unlock(&s->lock);
		if ((all_handed && pending == 0) || gave_up)
			break;
		sync_sleep_ns(SYNC_NAP_NS);
	}
	atomic_store(&s->stop, true);
	if (s->thread_started)
		pthread_join(s->thread, NULL);

	unwritten = s->outgoing.n + (s->sending.n - s->sent);
	if (b != NULL)
		pt_baseline_take_dirty(b, 0, sync_count, &unwritten);
	if (unwritten > 0) {
		s->st.write_dropped += unwritten;
		pt_log(PT_LOG_WARN, "baseline: %" PRIu64 " new or updated edges not written to redis %s (%s)",
		       unwritten, s->where, gave_up ? "unreachable or refusing" : "still writing after 10 s");
	}
	if (s->ctx != NULL)
		redisFree(s->ctx);
	free(s->sending.v);
	free(s->applying.v);
	free(s->handing.v);
	free(s->incoming.v);
	free(s->outgoing.v);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

void pt_baseline_sync_stats(struct pt_baseline_sync *s, struct pt_baseline_sync_stats *st)
{
	if (s == NULL) {
		memset(st, 0, sizeof(*st));
		return;
	}
	pthread_mutex_lock(&s->lock);
	*st = s->st;
	pthread_mutex_unlock(&s->lock);
}
