/* SPDX-License-Identifier: BSD-3-Clause */
/* alert_sender.c - The thread that delivers spooled alerts to Redis (XADD + PUBLISH in MULTI/EXEC), in order, once. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "podtap.h"

#define SENDER_TIMEOUT_MS 2000
#define SENDER_BATCH 64                            /* alerts per MULTI/EXEC */
#define SENDER_WAIT_MS 200                         /* idle wake-up: also how soon a stop is noticed */
#define SENDER_CONFIRM_SCAN 2000                   /* stream entries searched for an unconfirmed batch */
#define SENDER_BACKOFF_MIN_NS (250 * 1000 * 1000ULL)
#define SENDER_BACKOFF_MAX_NS (8 * PT_NS_PER_SEC)
#define SENDER_ID_KEY "\"event\":{\"id\":\""
#define SENDER_FLOW_BATCH 256                      /* flow records per pipeline */
#define SENDER_STOP_LIMIT_NS (30 * PT_NS_PER_SEC)  /* delivering the spool at stop: at most this long */

struct pt_alert_sender {
	struct pt_redis_url url;
	char where[PT_REDIS_FIELD_LEN + 16];
	char key[PT_CONFIG_STR_LEN + 16];           /* <prefix>alerts: the stream and the channel */
	char flows_key[PT_CONFIG_STR_LEN + 16];     /* <prefix>flows */
	char *flows[PT_FLOWS_QUEUE];                /* flow records waiting (a ring, under lock) */
	uint32_t flows_len[PT_FLOWS_QUEUE];
	uint32_t flows_head, flows_count;
	uint32_t maxlen;

	pthread_mutex_t lock;                       /* guards spool, stats and the wake-up */
	pthread_cond_t wake;
	struct pt_alert_spool *spool;
	struct pt_alert_sender_stats stats;

	redisContext *ctx;
	bool was_up, ever_tried;
	char refused_why[256];
	uint64_t retry_at_mono_ns, backoff_ns;
	char *read_buf;                             /* PT_ALERT_JSON_MAX + 1 */
	char *batch[SENDER_BATCH];                  /* the batch in flight: JSON copies */
	uint32_t batch_len[SENDER_BATCH];
	uint64_t batch_seq[SENDER_BATCH];
	uint32_t n_batch;
	bool unconfirmed;                           /* the batch was sent but its EXEC reply never came */
	bool confirm_recovered;                     /* alerts from an earlier run: look for them before sending */
	uint64_t delivered_seq;                     /* Redis has everything up to here (acked, or the ack to retry) */
	bool multi_ok;                              /* this connection may use MULTI/EXEC (probed at connect) */

	pthread_t thread;
	bool thread_started;
	_Atomic bool stop;
};

static void sender_down(struct pt_alert_sender *s, const char *why)
{
	if (s->was_up || !s->ever_tried)
		pt_log(PT_LOG_WARN, "alerts: redis %s unreachable (%s); alerts wait in the spool and are sent when it is back",
		       s->where, why);
	s->was_up = false;
	s->ever_tried = true;
	if (s->ctx != NULL)
		redisFree(s->ctx);
	s->ctx = NULL;
	s->multi_ok = false;
	s->retry_at_mono_ns = pt_time_mono_ns() + s->backoff_ns;
	s->backoff_ns = s->backoff_ns * 2 > SENDER_BACKOFF_MAX_NS ? SENDER_BACKOFF_MAX_NS : s->backoff_ns * 2;
	pthread_mutex_lock(&s->lock);
	s->stats.redis_up = false;
	s->stats.tried = true;
	pthread_mutex_unlock(&s->lock);
}

static bool sender_connect(struct pt_alert_sender *s)
{
	char why[PT_REDIS_FIELD_LEN + 64];

	if (s->ever_tried && pt_time_mono_ns() < s->retry_at_mono_ns)
		return false;
	s->ctx = pt_redis_connect(&s->url, SENDER_TIMEOUT_MS, why, sizeof(why));
	if (s->ctx == NULL) {
		sender_down(s, why);
		return false;
	}
	if (s->ever_tried)
		pt_log(PT_LOG_INFO, "alerts: redis %s connected; delivering the spool", s->where);
	pthread_mutex_lock(&s->lock);
	if (s->ever_tried)
		s->stats.reconnects++;
	s->stats.redis_up = true;
	s->stats.tried = true;
	pthread_mutex_unlock(&s->lock);
	s->was_up = s->ever_tried = true;
	s->backoff_ns = SENDER_BACKOFF_MIN_NS;
	return true;
}

/* The event.id of a spooled alert (the formatter writes it first in "event"). */
static bool sender_event_id(const char *json, char id[PT_ULID_LEN])
{
	const char *p = strstr(json, SENDER_ID_KEY);

	if (p == NULL || strlen(p) < sizeof(SENDER_ID_KEY) - 1 + PT_ULID_LEN - 1)
		return false;
	memcpy(id, p + sizeof(SENDER_ID_KEY) - 1, PT_ULID_LEN - 1);
	id[PT_ULID_LEN - 1] = '\0';
	return true;
}

static void sender_batch_clear(struct pt_alert_sender *s)
{
	for (uint32_t i = 0; i < s->n_batch; i++)
		free(s->batch[i]);
	s->n_batch = 0;
	s->unconfirmed = false;
}

/* Copy the oldest waiting alerts into the batch (the spool is synced first: nothing is sent before it is durable). */
static void sender_take_batch(struct pt_alert_sender *s)
{
	char *buf = s->read_buf;

	pthread_mutex_lock(&s->lock);
	if (pt_alert_spool_sync(s->spool) != 0)
		s->stats.spool_errors++;
	/* An acknowledgement that could not be written is retried; what it covers is never sent again. */
	if (s->delivered_seq > 0 && pt_alert_spool_ack(s->spool, s->delivered_seq) != 0)
		s->stats.spool_errors++;
	for (uint32_t i = 0; i < pt_alert_spool_pending(s->spool) && s->n_batch < SENDER_BATCH; i++) {
		uint64_t seq;
		int len = pt_alert_spool_read(s->spool, i, buf, PT_ALERT_JSON_MAX + 1, &seq, NULL);

		if (len < 0) {
			s->stats.spool_errors++;
			break;
		}
		if (seq <= s->delivered_seq)
			continue;
		s->batch[s->n_batch] = malloc((size_t)len + 1);
		if (s->batch[s->n_batch] == NULL)
			break;
		memcpy(s->batch[s->n_batch], buf, (size_t)len + 1);
		s->batch_len[s->n_batch] = (uint32_t)len;
		s->batch_seq[s->n_batch] = seq;
		s->n_batch++;
	}
	pthread_mutex_unlock(&s->lock);
}

/* The first @p n alerts of the batch reached Redis: acknowledge them (a failed ack is retried, never resent). */
static void sender_delivered(struct pt_alert_sender *s, uint32_t n)
{
	if (n > 0) {
		s->delivered_seq = s->batch_seq[n - 1];
		pthread_mutex_lock(&s->lock);
		if (pt_alert_spool_ack(s->spool, s->delivered_seq) != 0)
			s->stats.spool_errors++;
		s->stats.delivered += n;
		pthread_mutex_unlock(&s->lock);
	}
	sender_batch_clear(s);
}

static void sender_refused(struct pt_alert_sender *s, const char *why);

/*
 * The batch may already be in the stream: its EXEC reply was lost, or it comes from a run that was killed
 * before its acknowledgement. Batches are delivered in order, so the stream holds a prefix of it: look for
 * each alert's event.id among the stream's newest entries and acknowledge up to the last one found; the rest
 * is sent. An error reply (LOADING, NOPERM) proves nothing: back off and ask again. @return false when lost.
 */
static bool sender_confirm(struct pt_alert_sender *s)
{
	char ids[SENDER_BATCH][PT_ULID_LEN], id[PT_ULID_LEN], why[256];
	int last_found = -1;
	redisReply *r;

	for (uint32_t i = 0; i < s->n_batch; i++)
		if (!sender_event_id(s->batch[i], ids[i]))
			ids[i][0] = '\0';
	r = redisCommand(s->ctx, "XREVRANGE %s + - COUNT %d", s->key, SENDER_CONFIRM_SCAN);
	if (r == NULL) {
		sender_down(s, s->ctx->errstr[0] ? s->ctx->errstr : "no reply");
		return false;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		snprintf(why, sizeof(why), "XREVRANGE %.64s: %.160s", s->key, r->str);
		freeReplyObject(r);
		sender_refused(s, why);
		return true;
	}
	for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
		const redisReply *e = r->element[i];

		if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 || e->element[1]->type != REDIS_REPLY_ARRAY)
			continue;
		for (size_t k = 0; k + 1 < e->element[1]->elements; k += 2) {
			const redisReply *v = e->element[1]->element[k + 1];

			if (v->type != REDIS_REPLY_STRING || !sender_event_id(v->str, id))
				continue;
			for (int b = (int)s->n_batch - 1; b > last_found; b--)
				if (strcmp(ids[b], id) == 0)
					last_found = b;
		}
	}
	freeReplyObject(r);
	s->unconfirmed = false;
	/* A whole batch found: the next one may have gone too (an ack that failed before the crash). */
	s->confirm_recovered = s->confirm_recovered && last_found == (int)s->n_batch - 1;
	if (last_found < 0)
		return true;                             /* none of it there: send it */
	pthread_mutex_lock(&s->lock);
	s->stats.confirmed++;
	pthread_mutex_unlock(&s->lock);
	sender_delivered(s, (uint32_t)last_found + 1);
	return true;
}

static void sender_refused(struct pt_alert_sender *s, const char *why)
{
	pthread_mutex_lock(&s->lock);
	s->stats.refused++;
	pthread_mutex_unlock(&s->lock);
	if (strcmp(why, s->refused_why) != 0)
		pt_log(PT_LOG_WARN, "alerts: redis %s refused %s; the alerts stay in the spool, retrying", s->where, why);
	snprintf(s->refused_why, sizeof(s->refused_why), "%s", why);
	s->retry_at_mono_ns = pt_time_mono_ns() + s->backoff_ns;
	s->backoff_ns = s->backoff_ns * 2 > SENDER_BACKOFF_MAX_NS ? SENDER_BACKOFF_MAX_NS : s->backoff_ns * 2;
}

/* MULTI, XADD + PUBLISH per alert, EXEC, pipelined; then the replies. */
static void sender_send(struct pt_alert_sender *s)
{
	redisReply *r = NULL;
	char why[256];

	redisAppendCommand(s->ctx, "MULTI");
	for (uint32_t i = 0; i < s->n_batch; i++) {
		redisAppendCommand(s->ctx, "XADD %s MAXLEN ~ %u * alert %b", s->key, s->maxlen, s->batch[i],
				   (size_t)s->batch_len[i]);
		redisAppendCommand(s->ctx, "PUBLISH %s %b", s->key, s->batch[i], (size_t)s->batch_len[i]);
	}
	redisAppendCommand(s->ctx, "EXEC");
	s->unconfirmed = true;
	for (uint32_t i = 0; i < 2 * s->n_batch + 1; i++) {       /* +OK and the +QUEUED replies */
		if (redisGetReply(s->ctx, (void **)&r) != REDIS_OK) {
			sender_down(s, s->ctx->errstr[0] ? s->ctx->errstr : "no reply");
			return;
		}
		freeReplyObject(r);
	}
	if (redisGetReply(s->ctx, (void **)&r) != REDIS_OK) {
		sender_down(s, s->ctx->errstr[0] ? s->ctx->errstr : "no reply");
		return;
	}
	s->unconfirmed = false;
	/* EXEC: an array of 2n replies; an error element (WRONGTYPE on the stream key) means not delivered. */
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 * s->n_batch) {
		snprintf(why, sizeof(why), "EXEC: %.200s", r->type == REDIS_REPLY_ERROR ? r->str : "transaction discarded");
		freeReplyObject(r);
		sender_refused(s, why);
		return;
	}
	for (size_t i = 0; i < r->elements; i += 2) {
		if (r->element[i]->type == REDIS_REPLY_ERROR) {
			snprintf(why, sizeof(why), "XADD %.64s: %.160s", s->key, r->element[i]->str);
			freeReplyObject(r);
			sender_refused(s, why);
			return;
		}
	}
	freeReplyObject(r);
	if (s->refused_why[0] != '\0')
		pt_log(PT_LOG_INFO, "alerts: redis %s takes alerts again", s->where);
	s->refused_why[0] = '\0';
	sender_delivered(s, s->n_batch);
}

static void sender_wait(struct pt_alert_sender *s, uint64_t ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	ts.tv_sec += (time_t)(ms / 1000) + ts.tv_nsec / 1000000000L;
	ts.tv_nsec %= 1000000000L;
	pthread_mutex_lock(&s->lock);
	/* No progress: wait (a submit wakes it when Redis is there; otherwise the backoff decides). */
	if (!atomic_load(&s->stop))
		pthread_cond_timedwait(&s->wake, &s->lock, &ts);
	/* Redis away: flow records are not kept for it (alerts are, in the spool). */
	if (s->ctx == NULL) {
		while (s->flows_count > 0) {
			free(s->flows[s->flows_head]);
			s->flows_head = (s->flows_head + 1) % PT_FLOWS_QUEUE;
			s->flows_count--;
			s->stats.flows_dropped++;
		}
	}
	pthread_mutex_unlock(&s->lock);
}

/* Flow records, after the alerts: pipelined XADDs, best effort (a lost connection loses the batch, counted). */
static bool sender_send_flows(struct pt_alert_sender *s)
{
	char *line[SENDER_FLOW_BATCH];
	uint32_t len[SENDER_FLOW_BATCH], n = 0, ok = 0;

	pthread_mutex_lock(&s->lock);
	while (n < SENDER_FLOW_BATCH && s->flows_count > 0) {
		line[n] = s->flows[s->flows_head];
		len[n++] = s->flows_len[s->flows_head];
		s->flows_head = (s->flows_head + 1) % PT_FLOWS_QUEUE;
		s->flows_count--;
	}
	pthread_mutex_unlock(&s->lock);
	if (n == 0)
		return false;
	for (uint32_t i = 0; i < n; i++)
		redisAppendCommand(s->ctx, "XADD %s MAXLEN ~ %u * flow %b", s->flows_key, s->maxlen, line[i], (size_t)len[i]);
	for (uint32_t i = 0; i < n; i++) {
		redisReply *r = NULL;

		if (redisGetReply(s->ctx, (void **)&r) != REDIS_OK) {
			sender_down(s, s->ctx->errstr[0] ? s->ctx->errstr : "no reply");
			break;
		}
		ok += r->type != REDIS_REPLY_ERROR;
		freeReplyObject(r);
	}
	for (uint32_t i = 0; i < n; i++)
		free(line[i]);
	pthread_mutex_lock(&s->lock);
	s->stats.flows_sent += ok;
	s->stats.flows_dropped += n - ok;
	pthread_mutex_unlock(&s->lock);
	return s->ctx != NULL;
}

/*
 * MULTI must work before any alert is sent: without it (an ACL lacking MULTI or EXEC) each XADD would run on
 * its own and the refused EXEC would make the batch go again, duplicated. @return false when lost.
 */
static bool sender_probe_multi(struct pt_alert_sender *s)
{
	redisReply *r = redisCommand(s->ctx, "MULTI");
	char why[256];
	bool ok;

	if (r == NULL) {
		sender_down(s, s->ctx->errstr[0] ? s->ctx->errstr : "no reply");
		return false;
	}
	ok = r->type == REDIS_REPLY_STATUS;
	snprintf(why, sizeof(why), "MULTI: %.200s", r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
	freeReplyObject(r);
	if (ok) {
		r = redisCommand(s->ctx, "DISCARD");
		if (r == NULL) {
			sender_down(s, s->ctx->errstr[0] ? s->ctx->errstr : "no reply");
			return false;
		}
		ok = r->type == REDIS_REPLY_STATUS;
		snprintf(why, sizeof(why), "DISCARD: %.200s", r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
		freeReplyObject(r);
	}
	s->multi_ok = ok;
	if (!ok)
		sender_refused(s, why);
	return true;
}

/* One step: connect when needed, confirm a batch left unconfirmed, send the next one. @return false when idle. */
static bool sender_step(struct pt_alert_sender *s)
{
	if (s->ctx == NULL && !sender_connect(s))
		return false;
	if (pt_time_mono_ns() < s->retry_at_mono_ns)
		return false;                            /* refused: wait out the backoff */
	if (!s->multi_ok && (!sender_probe_multi(s) || !s->multi_ok))
		return false;
	if (s->n_batch == 0) {
		sender_take_batch(s);
		s->unconfirmed |= s->confirm_recovered && s->n_batch > 0;
	}
	if (s->n_batch > 0 && s->unconfirmed) {
		if (!sender_confirm(s) || pt_time_mono_ns() < s->retry_at_mono_ns)
			return false;
		if (s->n_batch == 0)
			return true;                     /* (a prefix of) it was there: go on with the rest */
	}
	if (s->n_batch == 0)
		return sender_send_flows(s);
	sender_send(s);
	return s->ctx != NULL;
}

static void *sender_main(void *arg)
{
	struct pt_alert_sender *s = arg;

	while (!atomic_load_explicit(&s->stop, memory_order_relaxed)) {
		if (!sender_step(s))
			sender_wait(s, SENDER_WAIT_MS);
	}
	/* At stop: deliver what is waiting while Redis answers, connecting now if need be (a short -r run can end
	 * before the first connection). What does not go stays in the spool for the next run. */
	s->retry_at_mono_ns = 0;
	for (uint64_t end = pt_time_mono_ns() + SENDER_STOP_LIMIT_NS; pt_time_mono_ns() < end;) {
		if (s->ctx == NULL && !sender_connect(s))
			break;
		if (!sender_step(s))
			break;
	}
	return NULL;
}

struct pt_alert_sender *pt_alert_sender_start(const struct pt_config *cfg, const struct pt_redis_url *url, char *err,
					      size_t err_len)
{
	struct pt_alert_sender *s = calloc(1, sizeof(*s));
	struct pt_alert_spool_stats st;

	if (s == NULL) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	s->url = *url;
	pt_redis_url_describe(&s->url, s->where, sizeof(s->where));
	snprintf(s->key, sizeof(s->key), "%salerts", cfg->redis.prefix);
	snprintf(s->flows_key, sizeof(s->flows_key), "%sflows", cfg->redis.prefix);
	s->maxlen = cfg->alerts.stream_maxlen;
	s->backoff_ns = SENDER_BACKOFF_MIN_NS;
	s->read_buf = malloc(PT_ALERT_JSON_MAX + 1);
	if (s->read_buf == NULL) {
		snprintf(err, err_len, "out of memory");
		goto free_sender;
	}
	s->spool = pt_alert_spool_open(cfg->alerts.spool_dir, (uint64_t)cfg->alerts.spool_max_kb * 1024, err, err_len);
	if (s->spool == NULL)
		goto free_sender;
	pt_alert_spool_stats(s->spool, &st);
	s->confirm_recovered = st.recovered > 0;     /* a run killed after EXEC but before its ack */
	if (st.recovered > 0 || st.truncated_bytes > 0)
		pt_log(PT_LOG_INFO, "alerts: spool %s holds %" PRIu64 " undelivered alerts from an earlier run%s",
		       cfg->alerts.spool_dir, st.recovered, st.truncated_bytes ? " (a torn tail was cut)" : "");
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->wake, NULL);
	if (pthread_create(&s->thread, NULL, sender_main, s) != 0) {
		snprintf(err, err_len, "cannot start the alert sender thread");
		goto close_spool;
	}
	s->thread_started = true;
	return s;

close_spool:
	pthread_cond_destroy(&s->wake);
	pthread_mutex_destroy(&s->lock);
	pt_alert_spool_close(s->spool);
free_sender:
	free(s->read_buf);
	free(s);
	return NULL;
}

void pt_alert_sender_stop(struct pt_alert_sender *s, struct pt_alert_sender_stats *final)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&s->lock);
	atomic_store(&s->stop, true);
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
	if (s->thread_started)
		pthread_join(s->thread, NULL);
	if (s->ctx != NULL)
		redisFree(s->ctx);
	sender_batch_clear(s);
	while (s->flows_count > 0) {
		free(s->flows[s->flows_head]);
		s->flows_head = (s->flows_head + 1) % PT_FLOWS_QUEUE;
		s->flows_count--;
		s->stats.flows_dropped++;
	}
	pt_alert_spool_sync(s->spool);
	if (final != NULL) {
		*final = s->stats;
		pt_alert_spool_stats(s->spool, &final->spool);
	}
	pt_alert_spool_close(s->spool);
	pthread_cond_destroy(&s->wake);
	pthread_mutex_destroy(&s->lock);
	free(s->read_buf);
	free(s);
}

int pt_alert_sender_submit(struct pt_alert_sender *s, const char *json, uint32_t len, uint8_t severity)
{
	int rc;

	pthread_mutex_lock(&s->lock);
	rc = pt_alert_spool_append(s->spool, json, len, severity, NULL);
	if (rc != 0 && rc != -ENOSPC)
		s->stats.spool_errors++;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

int pt_alert_sender_submit_flow(struct pt_alert_sender *s, const char *json, uint32_t len)
{
	char *copy = malloc((size_t)len + 1);
	int rc = 0;

	pthread_mutex_lock(&s->lock);
	if (copy == NULL || s->flows_count == PT_FLOWS_QUEUE || !s->stats.redis_up) {
		s->stats.flows_dropped++;
		free(copy);
		rc = -ENOSPC;
	} else {
		memcpy(copy, json, len);
		copy[len] = '\0';
		s->flows[(s->flows_head + s->flows_count) % PT_FLOWS_QUEUE] = copy;
		s->flows_len[(s->flows_head + s->flows_count) % PT_FLOWS_QUEUE] = len;
		s->flows_count++;
		pthread_cond_signal(&s->wake);
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

void pt_alert_sender_stats(struct pt_alert_sender *s, struct pt_alert_sender_stats *st, uint64_t *dropped_new)
{
	pthread_mutex_lock(&s->lock);
	*st = s->stats;
	pt_alert_spool_stats(s->spool, &st->spool);
	if (dropped_new != NULL)
		*dropped_new = pt_alert_spool_take_dropped(s->spool);
	pthread_mutex_unlock(&s->lock);
}
