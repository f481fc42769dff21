/* SPDX-License-Identifier: BSD-3-Clause */
/* redis_sink.c - The sensor's status in Redis (HASH <prefix>sensor:<name>), with reconnects and one log per state change. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "pt_output.h"
#include "pt_util.h"

#define REDIS_TIMEOUT_MS 500
#define REDIS_BACKOFF_MIN_NS (1 * PT_NS_PER_SEC)
#define REDIS_BACKOFF_MAX_NS (60 * PT_NS_PER_SEC)

struct pt_output_redis {
	struct pt_redis_url url;
	char key[PT_REDIS_FIELD_LEN * 2];
	redisContext *ctx;
	bool was_up;              /* for logging once per state change */
	bool ever_tried;
	uint64_t retry_at_mono_ns;
	uint64_t backoff_ns;
};

/* Split "user:pass@host:port/db" style text at the last '@' into credentials and address. */
int pt_redis_url_parse(const char *text, struct pt_redis_url *url, char *err, size_t err_len)
{
	const char *rest, *at, *slash;
	char hostport[PT_REDIS_FIELD_LEN], *colon, *bracket;

	memset(url, 0, sizeof(*url));
	url->port = 6379;
	if (strncmp(text, "unix://", 7) == 0) {
		if (text[7] != '/' || strlen(text + 7) >= sizeof(url->socket_path)) {
			snprintf(err, err_len, "redis URL '%s': expected unix:///absolute/path", text);
			return -EINVAL;
		}
		snprintf(url->socket_path, sizeof(url->socket_path), "%s", text + 7);
		return 0;
	}
	if (strncmp(text, "redis://", 8) != 0) {
		snprintf(err, err_len, "redis URL '%s': expected redis://[user:password@]host[:port][/db] or unix:///path", text);
		return -EINVAL;
	}
	rest = text + 8;
	at = strrchr(rest, '@');
	if (at != NULL) {
		const char *colon = memchr(rest, ':', (size_t)(at - rest));
		size_t ulen = colon ? (size_t)(colon - rest) : 0, plen = colon ? (size_t)(at - colon - 1) : (size_t)(at - rest);

		if (ulen >= sizeof(url->user) || plen >= sizeof(url->password)) {
			snprintf(err, err_len, "redis URL: user or password too long");
			return -EINVAL;
		}
		memcpy(url->user, rest, ulen);
		memcpy(url->password, colon ? colon + 1 : rest, plen);
		rest = at + 1;
	}
	slash = strchr(rest, '/');
	if ((slash ? (size_t)(slash - rest) : strlen(rest)) >= sizeof(hostport)) {
		snprintf(err, err_len, "redis URL '%s': host too long", text);
		return -EINVAL;
	}
	snprintf(hostport, sizeof(hostport), "%.*s", (int)(slash ? slash - rest : (long)strlen(rest)), rest);
	if (slash != NULL && slash[1] != '\0') {
		char *end;
		long db = strtol(slash + 1, &end, 10);

		if (*end != '\0' || db < 0 || db > 1000) {
			snprintf(err, err_len, "redis URL '%s': database must be a number 0..1000", text);
			return -EINVAL;
		}
		url->db = (int)db;
	}
	/* A port follows the last ':' unless that colon belongs to a bare IPv6 address. */
	colon = strrchr(hostport, ':');
	bracket = strchr(hostport, ']');
	if (colon != NULL && (bracket != NULL ? colon > bracket : strchr(hostport, ':') == colon)) {
		char *end;
		long port = strtol(colon + 1, &end, 10);

		if (*end != '\0' || port < 1 || port > 65535) {
			snprintf(err, err_len, "redis URL '%s': port must be 1..65535", text);
			return -EINVAL;
		}
		url->port = (int)port;
		*colon = '\0';
	}
	if (hostport[0] == '[') {
		size_t n = strlen(hostport);

		if (n < 3 || hostport[n - 1] != ']') {
			snprintf(err, err_len, "redis URL '%s': bad IPv6 address", text);
			return -EINVAL;
		}
		snprintf(url->host, sizeof(url->host), "%.*s", (int)(n - 2), hostport + 1);
	} else {
		snprintf(url->host, sizeof(url->host), "%s", hostport);
	}
	if (url->host[0] == '\0') {
		snprintf(err, err_len, "redis URL '%s': no host", text);
		return -EINVAL;
	}
	return 0;
}

struct pt_output_redis *pt_output_redis_open(const struct pt_redis_url *url, const char *prefix, const char *sensor)
{
	struct pt_output_redis *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->url = *url;
	snprintf(r->key, sizeof(r->key), "%ssensor:%s", prefix, sensor);
	r->backoff_ns = REDIS_BACKOFF_MIN_NS;
	return r;
}

static void redis_drop(struct pt_output_redis *r, const char *why)
{
	char where[PT_REDIS_FIELD_LEN + 16];

	if (r->was_up || !r->ever_tried)
		pt_log(PT_LOG_WARN, "redis %s unreachable (%s); retrying with backoff, output goes on without it",
		       pt_redis_url_describe(&r->url, where, sizeof(where)), why);
	r->was_up = false;
	r->ever_tried = true;
	if (r->ctx != NULL)
		redisFree(r->ctx);
	r->ctx = NULL;
	r->retry_at_mono_ns = pt_time_mono_ns() + r->backoff_ns;
	r->backoff_ns = r->backoff_ns * 2 > REDIS_BACKOFF_MAX_NS ? REDIS_BACKOFF_MAX_NS : r->backoff_ns * 2;
}

static bool redis_command_ok(struct pt_output_redis *r, redisReply *reply)
{
	bool ok = reply != NULL && reply->type != REDIS_REPLY_ERROR;

	if (reply != NULL && reply->type == REDIS_REPLY_ERROR)
		redis_drop(r, reply->str);
	else if (reply == NULL)
		redis_drop(r, r->ctx && r->ctx->errstr[0] ? r->ctx->errstr : "no reply");
	freeReplyObject(reply);
	return ok;
}

/* The reply of a setup command: NULL with the reason in err when it failed. */
static bool redis_setup_ok(redisContext *ctx, redisReply *reply, const char *what, char *err, size_t err_len)
{
	bool ok = reply != NULL && reply->type != REDIS_REPLY_ERROR;

	if (!ok)
		snprintf(err, err_len, "%s: %s", what, reply != NULL ? reply->str : ctx->errstr[0] ? ctx->errstr : "no reply");
	freeReplyObject(reply);
	return ok;
}

redisContext *pt_redis_connect(const struct pt_redis_url *url, int timeout_ms, char *err, size_t err_len)
{
	struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 };
	redisContext *ctx;

	ctx = url->socket_path[0] ? redisConnectUnixWithTimeout(url->socket_path, tv)
				  : redisConnectWithTimeout(url->host, url->port, tv);
	if (ctx == NULL || ctx->err) {
		snprintf(err, err_len, "%s", ctx != NULL ? ctx->errstr : "out of memory");
		goto free_ctx;
	}
	redisSetTimeout(ctx, tv);
	if (url->password[0] != '\0' &&
	    !redis_setup_ok(ctx, url->user[0] ? redisCommand(ctx, "AUTH %s %s", url->user, url->password)
					      : redisCommand(ctx, "AUTH %s", url->password), "AUTH", err, err_len))
		goto free_ctx;
	if (url->db != 0 && !redis_setup_ok(ctx, redisCommand(ctx, "SELECT %d", url->db), "SELECT", err, err_len))
		goto free_ctx;
	return ctx;

free_ctx:
	if (ctx != NULL)
		redisFree(ctx);
	return NULL;
}

const char *pt_redis_url_describe(const struct pt_redis_url *url, char *buf, size_t len)
{
	if (url->socket_path[0])
		snprintf(buf, len, "%s", url->socket_path);
	else
		snprintf(buf, len, strchr(url->host, ':') ? "[%s]:%d" : "%s:%d", url->host, url->port);
	return buf;
}

static bool redis_connect(struct pt_output_redis *r)
{
	char why[PT_REDIS_FIELD_LEN], where[PT_REDIS_FIELD_LEN + 16];

	if (r->ctx != NULL)
		return true;
	if (r->ever_tried && pt_time_mono_ns() < r->retry_at_mono_ns)
		return false;
	r->ctx = pt_redis_connect(&r->url, REDIS_TIMEOUT_MS, why, sizeof(why));
	if (r->ctx == NULL) {
		redis_drop(r, why);
		return false;
	}
	if (!r->was_up)
		pt_log(PT_LOG_INFO, "redis %s connected", pt_redis_url_describe(&r->url, where, sizeof(where)));
	r->was_up = true;
	r->ever_tried = true;
	r->backoff_ns = REDIS_BACKOFF_MIN_NS;
	return true;
}

int pt_output_redis_publish_status(struct pt_output_redis *r, const char *counters_json, uint64_t wall_ns)
{
	char updated[40];

	if (!redis_connect(r))
		return -EAGAIN;
	pt_time_format_rfc3339(wall_ns, updated, sizeof(updated));
	if (!redis_command_ok(r, redisCommand(r->ctx, "HSET %s version %s updated %s stats %s", r->key, PT_VERSION,
					       updated, counters_json)))
		return -EIO;
	return 0;
}

const char *pt_output_redis_key(const struct pt_output_redis *r)
{
	return r->key;
}

void pt_output_redis_close(struct pt_output_redis *r)
{
	if (r == NULL)
		return;
	if (r->ctx != NULL)
		redisFree(r->ctx);
	free(r);
}
