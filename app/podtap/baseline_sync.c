/* SPDX-License-Identifier: BSD-3-Clause */
/* baseline_sync.c - The thread that keeps the baselines in Redis: queues, loop, connection, the control side. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "baseline_sync_priv.h"

/*
 * Who touches what. The baselines (struct pt_baseline) belong to the control thread: the sync thread never
 * touches them. Two queues under s->lock join the two:
 *   outgoing  control -> thread: edges to write (struct sync_write), handed over every baseline.sync_interval;
 *   incoming  thread -> control: changes to apply (struct sync_change), from the change stream and from reloads.
 * Each side swaps a whole queue with an empty buffer of its own, so the lock is held for a pointer swap (or a copy
 * when the other side has not taken the last one yet), never for a Redis command or for applying changes.
 *
 * A forget or relearn read from the stream is queued first and then purges the queued writes it makes stale; the
 * control side's hand-over drops edges that a forget or relearn still waiting in the incoming queue makes stale.
 * So an edge handed over around the time a forget arrives is never written back after it.
 *
 * What is said to Redis, and when, is in baseline_sync_redis.c.
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
#define SYNC_QUEUE_MAX 65536                       /* entries in each queue */
#define SYNC_QUEUE_KEEP 1024                       /* a drained queue buffer larger than this is freed */
#define SYNC_BACKOFF_MIN_NS (250 * 1000 * 1000ULL)
#define SYNC_BACKOFF_MAX_NS (8 * PT_NS_PER_SEC)
#define SYNC_IDLE_NS (50 * 1000 * 1000ULL)         /* sleep while disconnected or paused: how soon a stop is seen */
#define SYNC_NAP_NS (5 * 1000 * 1000ULL)           /* sleep while waiting for the other side of a queue */
#define SYNC_STOP_WAIT_NS (10 * PT_NS_PER_SEC)

static void sync_sleep_ns(uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / PT_NS_PER_SEC), .tv_nsec = (long)(ns % PT_NS_PER_SEC) };

	nanosleep(&ts, NULL);
}

/* ---- queues ---------------------------------------------------------------------------------------------- */

int baseline_sync_vec_reserve(struct sync_vec *q, uint32_t need, size_t size)
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

void baseline_sync_add(struct pt_baseline_sync *s, uint64_t *counter, uint64_t n)
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

enum sync_reply baseline_sync_deliver(struct pt_baseline_sync *s, const struct sync_change *c, bool wait)
{
	if (s->load_into != NULL) {
		sync_apply(s->load_into, c);
		return SYNC_OK;
	}
	for (;;) {
		bool queued = false;

		pthread_mutex_lock(&s->lock);
		if (s->incoming.n < SYNC_QUEUE_MAX &&
		    baseline_sync_vec_reserve(&s->incoming, s->incoming.n + 1, sizeof(*c)) == 0) {
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

void baseline_sync_down(struct pt_baseline_sync *s, const char *why)
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

void baseline_sync_refused(struct pt_baseline_sync *s, const char *why)
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

/* Connect when the backoff allows (while stopping: once, at once). A new connection wants a reload. */
static bool sync_connect(struct pt_baseline_sync *s)
{
	char why[SYNC_WHY_LEN];

	if (atomic_load(&s->stopping) ? sync_gave_up(s) : s->ever_tried && pt_time_mono_ns() < s->retry_at_mono_ns)
		return false;
	s->ctx = pt_redis_connect(&s->url, SYNC_TIMEOUT_MS, why, sizeof(why));
	if (s->ctx == NULL) {
		baseline_sync_down(s, why);
		return false;
	}
	if (s->ever_up)
		baseline_sync_add(s, &s->st.reconnects, 1);
	if (!s->was_up)
		pt_log(PT_LOG_INFO, "baseline: redis %s connected; %s the baselines", s->where,
		       s->ever_up ? "reloading" : "loading");
	s->was_up = s->ever_up = s->ever_tried = true;
	s->need_reload = true;
	s->paused_until_mono_ns = 0;
	sync_set_up(s, true);
	return true;
}

/* ---- the edges handed over ------------------------------------------------------------------------------ */

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
		rc = baseline_sync_write_batch(s, w, n);
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

void baseline_sync_purge(struct pt_baseline_sync *s, const struct sync_change *c)
{
	uint32_t removed = sync_writes_purge(&s->sending, s->sent, c);

	pthread_mutex_lock(&s->lock);
	sync_writes_purge(&s->outgoing, 0, c);
	s->in_flight -= removed;
	pthread_mutex_unlock(&s->lock);
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
		enum sync_reply rc = baseline_sync_load(s);    /* refused: write anyway, load again after the backoff */

		if (rc == SYNC_LOST || rc == SYNC_STOPPED)
			return;
	}
	if (sync_write_pending(s) != SYNC_OK)
		return;
	if (stopping) {                                /* stop() hands over the rest and waits */
		sync_sleep_ns(SYNC_NAP_NS);
		return;
	}
	if (s->need_reload || baseline_sync_follow(s) != SYNC_OK)
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

	if (baseline_sync_vec_reserve(&s->handing, s->handing.n + 1, sizeof(*w)) < 0) {
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
	/* A forget or relearn the thread queued since this step applied the changes makes these edges stale. */
	for (uint32_t i = 0; i < s->incoming.n; i++) {
		const struct sync_change *c = (const struct sync_change *)s->incoming.v + i;

		if (c->op == SYNC_FORGET_EDGE || c->op == SYNC_FORGET_ALL || c->op == SYNC_RELEARN)
			sync_writes_purge(&s->handing, 0, c);
	}
	if (s->outgoing.n == 0) {
		vec_swap(&s->outgoing, &s->handing);
	} else if (baseline_sync_vec_reserve(&s->outgoing, s->outgoing.n + s->handing.n,
					     sizeof(struct sync_write)) == 0) {
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
		(void)baseline_sync_load(s);               /* a failure: the thread reconnects or retries and reloads */
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
		baseline_sync_add(s, &s->st.changes_applied, applied);
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

void pt_baseline_sync_stop(struct pt_baseline_sync *s, struct pt_baseline *b, struct pt_baseline_sync_stats *final)
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
	if (final != NULL)
		pt_baseline_sync_stats(s, final);
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
