/* SPDX-License-Identifier: BSD-3-Clause */
/* geo_publish.c - Publishing handles to workers with rte_rcu_qsbr (no EAL needed), and reloading changed files. */
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_rcu_qsbr.h>

#include "geo_priv.h"
#include "pt_util.h"

/* Retired handles waiting for their grace period; a reload every few seconds never needs more than one or two. */
#define GEO_RETIRED_MAX 8

struct geo_retired {
	struct pt_geo_db *db;
	uint64_t token;
};

struct pt_geo_published {
	/* Read by every worker once per burst: alone on its cache line. */
	_Atomic(struct pt_geo_db *) current PT_CACHE_ALIGNED;

	/* Control side only. */
	struct rte_rcu_qsbr *qsbr PT_CACHE_ALIGNED;
	uint32_t max_workers;
	uint32_t n_retired;
	struct geo_retired retired[GEO_RETIRED_MAX];
	/* The file state a failed reload saw, per kind, so that it is reported once. */
	struct geo_file_id failed[GEO_KINDS];
	bool failed_valid[GEO_KINDS];
};

struct pt_geo_published *pt_geo_published_create(struct pt_geo_db *db, uint32_t max_workers)
{
	struct pt_geo_published *pub;
	size_t size;

	if (db == NULL || max_workers == 0 || max_workers > RTE_MAX_LCORE)
		return NULL;
	pub = pt_zalloc_aligned(sizeof(*pub));
	if (pub == NULL)
		return NULL;
	size = rte_rcu_qsbr_get_memsize(max_workers);
	pub->qsbr = pt_zalloc_aligned(size);
	if (pub->qsbr == NULL)
		goto free_pub;
	if (rte_rcu_qsbr_init(pub->qsbr, max_workers) != 0)
		goto free_qsbr;
	pub->max_workers = max_workers;
	if (db->generation == 0)
		db->generation = 1;
	atomic_store_explicit(&pub->current, db, memory_order_release);
	return pub;

free_qsbr:
	pt_free_aligned(pub->qsbr);
free_pub:
	pt_free_aligned(pub);
	return NULL;
}

void pt_geo_published_free(struct pt_geo_published *pub)
{
	if (pub == NULL)
		return;
	for (uint32_t i = 0; i < pub->n_retired; i++)
		pt_geo_db_free(pub->retired[i].db);
	pt_geo_db_free(atomic_load_explicit(&pub->current, memory_order_relaxed));
	pt_free_aligned(pub->qsbr);
	pt_free_aligned(pub);
}

int pt_geo_worker_online(struct pt_geo_published *pub, uint32_t worker)
{
	if (pub == NULL || worker >= pub->max_workers)
		return -EINVAL;
	if (rte_rcu_qsbr_thread_register(pub->qsbr, worker) != 0)
		return -EINVAL;
	rte_rcu_qsbr_thread_online(pub->qsbr, worker);
	return 0;
}

void pt_geo_worker_offline(struct pt_geo_published *pub, uint32_t worker)
{
	if (pub == NULL || worker >= pub->max_workers)
		return;
	rte_rcu_qsbr_thread_offline(pub->qsbr, worker);
	rte_rcu_qsbr_thread_unregister(pub->qsbr, worker);
}

const struct pt_geo_db *pt_geo_current(struct pt_geo_published *pub)
{
	return pub != NULL ? atomic_load_explicit(&pub->current, memory_order_acquire) : NULL;
}

void pt_geo_quiescent(struct pt_geo_published *pub, uint32_t worker)
{
	if (pub != NULL && worker < pub->max_workers)
		rte_rcu_qsbr_quiescent(pub->qsbr, worker);
}

unsigned pt_geo_reclaim(struct pt_geo_published *pub)
{
	uint32_t kept = 0;

	if (pub == NULL)
		return 0;
	for (uint32_t i = 0; i < pub->n_retired; i++) {
		if (rte_rcu_qsbr_check(pub->qsbr, pub->retired[i].token, false) == 1)
			pt_geo_db_free(pub->retired[i].db);
		else
			pub->retired[kept++] = pub->retired[i];
	}
	pub->n_retired = kept;
	return kept;
}

int pt_geo_publish(struct pt_geo_published *pub, struct pt_geo_db *db)
{
	struct pt_geo_db *old;

	if (pub == NULL || db == NULL)
		return -EINVAL;
	if (pub->n_retired == GEO_RETIRED_MAX && pt_geo_reclaim(pub) == GEO_RETIRED_MAX)
		return -EBUSY;
	old = atomic_load_explicit(&pub->current, memory_order_relaxed);
	db->generation = old->generation + 1;
	atomic_store_explicit(&pub->current, db, memory_order_release);
	/* Readers that loaded the old pointer have not reported quiescent against this token yet. */
	pub->retired[pub->n_retired].db = old;
	pub->retired[pub->n_retired].token = rte_rcu_qsbr_start(pub->qsbr);
	pub->n_retired++;
	return 0;
}

/* Append a formatted piece to a one-line message, separated by "; ". */
static void geo_msg_add(char *msg, size_t len, const char *fmt, ...)
{
	size_t used;
	va_list ap;

	if (msg == NULL || len == 0)
		return;
	used = strnlen(msg, len);
	if (used > 0 && used + 2 < len) {
		memcpy(msg + used, "; ", 3);
		used += 2;
	}
	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(msg + used, len - used, fmt, ap);
	va_end(ap);
}

int pt_geo_reload_check(struct pt_geo_published *pub, char *msg, size_t msg_len)
{
	struct geo_slot fresh[GEO_KINDS];
	bool changed[GEO_KINDS] = {false, false};
	char failures[2 * PT_GEO_INFO_LEN + 96] = "";
	struct pt_geo_db *cur, *db;
	int err = 0, rc;

	if (msg != NULL && msg_len > 0)
		msg[0] = '\0';
	if (pub == NULL)
		return -EINVAL;
	pt_geo_reclaim(pub);
	cur = atomic_load_explicit(&pub->current, memory_order_relaxed);

	for (int k = 0; k < GEO_KINDS; k++) {
		const struct geo_slot *slot = &cur->slot[k];
		struct geo_file_id id;

		if (slot->path == NULL)
			continue;
		geo_file_stat(slot->path, &id);
		if (geo_file_same(&id, &slot->id))
			continue;
		if (pub->failed_valid[k] && geo_file_same(&id, &pub->failed[k]))
			continue;
		rc = geo_slot_open(&fresh[k], (enum pt_geo_kind)k, slot->path);
		if (rc == 0) {
			changed[k] = true;
			pub->failed_valid[k] = false;
			continue;
		}
		if (rc != -EAGAIN) {
			/* Reported once: the same file state is not tried again until it changes. */
			pub->failed[k] = id;
			pub->failed_valid[k] = true;
			geo_msg_add(failures, sizeof(failures), "%s; %s", fresh[k].info,
				    slot->src != NULL ? "keeping the database loaded before" : "still not loaded");
			err = rc;
		}
		geo_slot_release(&fresh[k]);
	}
	if (!changed[PT_GEO_COUNTRY] && !changed[PT_GEO_ASN]) {
		if (err != 0)
			geo_msg_add(msg, msg_len, "%s", failures);
		return err;
	}

	db = geo_db_alloc();
	if (db == NULL) {
		rc = -ENOMEM;
		goto release_fresh;
	}
	for (int k = 0; k < GEO_KINDS; k++)
		if (changed[k])
			db->slot[k] = fresh[k];
	for (int k = 0; k < GEO_KINDS; k++) {
		if (!changed[k] && geo_slot_share(&db->slot[k], &cur->slot[k]) != 0) {
			rc = -ENOMEM;
			goto free_db;
		}
	}
	rc = pt_geo_publish(pub, db);
	if (rc != 0)
		goto free_db;
	geo_msg_add(msg, msg_len, "geo generation %llu", (unsigned long long)db->generation);
	for (int k = 0; k < GEO_KINDS; k++)
		if (changed[k])
			geo_msg_add(msg, msg_len, "reloaded %s", db->slot[k].info);
	if (failures[0] != '\0')
		geo_msg_add(msg, msg_len, "%s", failures);
	return 1;

free_db:
	/* The fresh slots moved into db go with it. */
	pt_geo_db_free(db);
	changed[PT_GEO_COUNTRY] = changed[PT_GEO_ASN] = false;
release_fresh:
	for (int k = 0; k < GEO_KINDS; k++)
		if (changed[k])
			geo_slot_release(&fresh[k]);
	geo_msg_add(msg, msg_len, "geo reload not published: %s",
		    rc == -EBUSY ? "earlier handles still wait for workers to pass a quiescent state" : strerror(-rc));
	if (failures[0] != '\0')
		geo_msg_add(msg, msg_len, "%s", failures);
	return rc;
}
