/* SPDX-License-Identifier: BSD-3-Clause */
/* throttle.c - Flood control for alerts: one group per (rule, source workload, destination) key, and a rate per rule. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert_priv.h"

#define THROTTLE_KEY_LEN 320
#define THROTTLE_RULES_MAX 64
#define TOKEN_SCALE 1000000ULL              /* tokens are kept in millionths */

/* Alerts of one key within one window. Groups open in time order, so they sit in a FIFO and close from its head. */
struct throttle_group {
	uint64_t hash;
	char key[THROTTLE_KEY_LEN];
	struct pt_alert first;                   /* holds its own references */
	struct pt_alert_group_info info;
	bool closed;                             /* reported already (closed out of FIFO order) */
};

struct throttle_rule {
	const struct pt_alert_rule *rule;
	uint64_t tokens;                         /* in millionths */
	uint64_t last_ns;
	uint64_t suppressed;                     /* since the rule's last emitted alert */
};

struct pt_alert_throttle {
	struct pt_alert_throttle_config cfg;
	struct throttle_group *group;            /* FIFO of cfg.max_groups */
	uint32_t head, count;
	uint32_t *index;                         /* open addressing: group slot + 1, 0 = empty */
	uint32_t index_mask;
	struct throttle_rule rule[THROTTLE_RULES_MAX];
	uint32_t n_rules;
	struct pt_alert_throttle_stats stats;
};

static uint64_t throttle_hash(const char *s)
{
	uint64_t h = pt_fnv1a_str(s);

	return h ^ (h >> 29);
}

struct pt_alert_throttle *pt_alert_throttle_create(const struct pt_alert_throttle_config *cfg)
{
	struct pt_alert_throttle *t;
	uint32_t slots = 2;

	if (cfg == NULL || cfg->max_groups == 0 || cfg->max_groups > (1u << 24))
		return NULL;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->cfg = *cfg;
	while (slots < cfg->max_groups * 2)
		slots <<= 1;
	t->group = calloc(cfg->max_groups, sizeof(*t->group));
	t->index = calloc(slots, sizeof(*t->index));
	t->index_mask = slots - 1;
	if (t->group == NULL || t->index == NULL) {
		pt_alert_throttle_free(t);
		return NULL;
	}
	return t;
}

/* The index position of @p key's group, or of the empty slot where it would go. */
static uint32_t throttle_find(const struct pt_alert_throttle *t, uint64_t hash, const char *key)
{
	uint32_t i = (uint32_t)hash & t->index_mask;

	while (t->index[i] != 0) {
		const struct throttle_group *g = &t->group[t->index[i] - 1];

		if (g->hash == hash && strcmp(g->key, key) == 0)
			break;
		i = (i + 1) & t->index_mask;
	}
	return i;
}

/* Remove index slot @p i, shifting later entries of its run back (no tombstones). */
static void throttle_index_remove(struct pt_alert_throttle *t, uint32_t i)
{
	uint32_t j = i;

	t->index[i] = 0;
	for (;;) {
		uint32_t home;

		j = (j + 1) & t->index_mask;
		if (t->index[j] == 0)
			return;
		home = (uint32_t)t->group[t->index[j] - 1].hash & t->index_mask;
		/* Move j back to i when its home is not in (i, j] (cyclically). */
		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			t->index[i] = t->index[j];
			t->index[j] = 0;
			i = j;
		}
	}
}

/* Report and forget the group in FIFO slot @p slot (index position @p pos); its slot stays until the head passes. */
static void throttle_close_slot(struct pt_alert_throttle *t, uint32_t slot, uint32_t pos, pt_alert_group_fn fn,
				void *ctx)
{
	struct throttle_group *g = &t->group[slot];

	if (g->info.count > 1) {
		t->stats.updates++;
		if (fn != NULL)
			fn(ctx, &g->first, &g->info);
	}
	throttle_index_remove(t, pos);
	pt_alert_release(&g->first);
	g->closed = true;
}

/* Pop the FIFO's head, closing it first unless it was closed out of turn. */
static void throttle_close_head(struct pt_alert_throttle *t, pt_alert_group_fn fn, void *ctx)
{
	struct throttle_group *g = &t->group[t->head];

	if (!g->closed)
		throttle_close_slot(t, t->head, throttle_find(t, g->hash, g->key), fn, ctx);
	t->head = (t->head + 1) % t->cfg.max_groups;
	t->count--;
}

void pt_alert_throttle_free(struct pt_alert_throttle *t)
{
	if (t == NULL)
		return;
	if (t->group != NULL && t->index != NULL)
		while (t->count > 0)
			throttle_close_head(t, NULL, NULL);
	free(t->group);
	free(t->index);
	free(t);
}

/* The source part of the key: the workload (namespace, kind, name), else the address, else the sensor. */
static void throttle_source(const struct pt_alert *a, char *buf, size_t len)
{
	const struct pt_workload *w = a->has_flow ? a->flow.workload[0] : NULL;

	if (w != NULL) {
		snprintf(buf, len, "%s/%s/%s", w->field[PT_WORKLOAD_F_NAMESPACE], w->field[PT_WORKLOAD_F_WORKLOAD_KIND],
			 w->field[PT_WORKLOAD_F_WORKLOAD][0] ? w->field[PT_WORKLOAD_F_WORKLOAD] : w->field[PT_WORKLOAD_F_NODE]);
	} else if (a->has_flow) {
		char addr[PT_ADDR_TEXT_LEN];

		snprintf(buf, len, "%s", pt_addr_format(a->flow.flow.key.ip_version, pt_flow_orig_addr(&a->flow.flow), addr));
	} else {
		snprintf(buf, len, "sensor");
	}
}

/* Token bucket of the rule: true when it may raise one more alert at @p now_ns. */
static bool throttle_rate_ok(struct pt_alert_throttle *t, const struct pt_alert_rule *rule, uint64_t now_ns,
			     uint64_t *suppressed)
{
	struct throttle_rule *r = NULL;
	uint64_t cap = (uint64_t)t->cfg.burst * TOKEN_SCALE;

	*suppressed = 0;
	if (t->cfg.rate_per_minute == 0)
		return true;
	for (uint32_t i = 0; i < t->n_rules; i++)
		if (t->rule[i].rule == rule)
			r = &t->rule[i];
	if (r == NULL) {
		if (t->n_rules == THROTTLE_RULES_MAX)
			return true;                 /* more rules than podtap has: not limited */
		r = &t->rule[t->n_rules++];
		*r = (struct throttle_rule){ .rule = rule, .tokens = cap, .last_ns = now_ns };
	}
	if (now_ns > r->last_ns) {
		/* rate_per_minute tokens a minute: (ns * rate * SCALE) / 60e9, in 128 bits for long gaps. */
		uint64_t dt = now_ns - r->last_ns;
		unsigned __int128 add = (unsigned __int128)dt * t->cfg.rate_per_minute * TOKEN_SCALE /
					(60ULL * PT_NS_PER_SEC);

		r->tokens = add >= cap - r->tokens ? cap : r->tokens + (uint64_t)add;
		r->last_ns = now_ns;
	}
	if (r->tokens < TOKEN_SCALE) {
		r->suppressed++;
		return false;
	}
	r->tokens -= TOKEN_SCALE;
	*suppressed = r->suppressed;
	r->suppressed = 0;
	return true;
}

static void throttle_add_flow(struct pt_alert_group_info *info, const struct pt_alert *a)
{
	char cid[PT_FLOW_COMMUNITY_ID_LEN];

	if (!a->has_flow || info->n_flows >= PT_ALERT_FLOWS_MAX)
		return;
	pt_flow_community_id(&a->flow.flow, 0, cid);
	for (uint32_t i = 0; i < info->n_flows; i++)
		if (strcmp(info->flows[i], cid) == 0)
			return;
	snprintf(info->flows[info->n_flows++], PT_FLOW_COMMUNITY_ID_LEN, "%s", cid);
}

enum pt_alert_verdict pt_alert_throttle_check(struct pt_alert_throttle *t, const struct pt_alert *a, const char *id,
					      struct pt_alert_group_info *info, pt_alert_group_fn fn, void *ctx)
{
	char key[THROTTLE_KEY_LEN], source[192];
	uint64_t hash, suppressed;
	struct throttle_group *g;
	uint32_t slot, pos;

	memset(info, 0, sizeof(*info));
	throttle_source(a, source, sizeof(source));
	if (snprintf(key, sizeof(key), "%s|%s|%s", a->rule->id, source, a->dedup_key) >= (int)sizeof(key))
		t->stats.keys_cut++;           /* still one key per alert kind, only a longer prefix shared */
	hash = throttle_hash(key);
	if (t->cfg.window_ns > 0) {
		pos = throttle_find(t, hash, key);
		if (t->index[pos] != 0 && a->ts_ns >= t->group[t->index[pos] - 1].info.first_ns + t->cfg.window_ns) {
			/* Its window ended, but groups behind older ones in the FIFO close late: close it now. */
			throttle_close_slot(t, t->index[pos] - 1, pos, fn, ctx);
		} else if (t->index[pos] != 0) {
			g = &t->group[t->index[pos] - 1];
			g->info.count++;
			if (a->ts_ns > g->info.last_ns)
				g->info.last_ns = a->ts_ns;
			throttle_add_flow(&g->info, a);
			t->stats.merged++;
			*info = g->info;
			return PT_ALERT_MERGED;
		}
	}
	if (!throttle_rate_ok(t, a->rule, a->ts_ns, &suppressed)) {
		t->stats.rate_limited++;
		return PT_ALERT_RATE_LIMITED;
	}
	t->stats.emitted++;
	info->count = 1;
	info->first_ns = info->last_ns = a->ts_ns;
	info->suppressed = suppressed;
	snprintf(info->first_id, sizeof(info->first_id), "%s", id);
	throttle_add_flow(info, a);
	if (t->cfg.window_ns == 0)
		return PT_ALERT_EMIT;
	if (t->count == t->cfg.max_groups) {
		throttle_close_head(t, fn, ctx);       /* the oldest group closes early, reported as usual */
		t->stats.groups_evicted++;
	}
	pos = throttle_find(t, hash, key);
	slot = (t->head + t->count) % t->cfg.max_groups;
	g = &t->group[slot];
	g->closed = false;
	g->hash = hash;
	snprintf(g->key, sizeof(g->key), "%s", key);
	g->first = *a;
	if (a->has_flow) {
		pt_workload_retain(g->first.flow.workload[0]);
		pt_workload_retain(g->first.flow.workload[1]);
	}
	g->info = *info;
	t->index[pos] = slot + 1;
	t->count++;
	return PT_ALERT_EMIT;
}

uint32_t pt_alert_throttle_expire(struct pt_alert_throttle *t, uint64_t now_ns, bool all, pt_alert_group_fn fn,
				  void *ctx)
{
	uint32_t closed = 0;

	while (t->count > 0 && (all || t->group[t->head].closed ||
				t->group[t->head].info.first_ns + t->cfg.window_ns <= now_ns)) {
		throttle_close_head(t, fn, ctx);
		closed++;
	}
	return closed;
}

void pt_alert_throttle_stats(const struct pt_alert_throttle *t, struct pt_alert_throttle_stats *st)
{
	*st = t->stats;
	st->groups_open = 0;
	for (uint32_t i = 0; i < t->count; i++)
		st->groups_open += !t->group[(t->head + i) % t->cfg.max_groups].closed;
}
