/* SPDX-License-Identifier: BSD-3-Clause */
/* geo_publish.c - Publishing handles to workers by RCU (pt_rcu), and reloading changed files. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geo_priv.h"
#include "pt_util.h"

struct pt_geo_published {
	struct pt_rcu *rcu;            /* the current handle, and retired ones waiting for their grace period */
	/* The file state a failed reload saw, per kind, so that it is reported once. */
	struct geo_file_id failed[GEO_KINDS];
	bool failed_valid[GEO_KINDS];
};

static void geo_db_free_cb(void *db, void *arg)
{
	(void)arg;
	pt_geo_db_free(db);
}

struct pt_geo_published *pt_geo_published_create(struct pt_geo_db *db, uint32_t max_workers)
{
	struct pt_geo_published *pub;

	if (db == NULL)
		return NULL;
	pub = calloc(1, sizeof(*pub));
	if (pub == NULL)
		return NULL;
	pub->rcu = pt_rcu_create(db, max_workers, geo_db_free_cb, NULL);
	if (pub->rcu == NULL) {
		free(pub);
		return NULL;
	}
	if (db->generation == 0)
		db->generation = 1;
	return pub;
}

void pt_geo_published_free(struct pt_geo_published *pub)
{
	if (pub == NULL)
		return;
	pt_rcu_free(pub->rcu);
	free(pub);
}

void pt_geo_start_index(struct pt_geo_published *pub)
{
	if (pub != NULL)
		geo_db_start_index((struct pt_geo_db *)pt_rcu_current_publisher(pub->rcu));
}

void pt_geo_wait_index(struct pt_geo_published *pub)
{
	if (pub != NULL)
		pt_geo_db_wait_index((struct pt_geo_db *)pt_rcu_current_publisher(pub->rcu));
}

int pt_geo_worker_online(struct pt_geo_published *pub, uint32_t worker)
{
	return pub != NULL ? pt_rcu_reader_online(pub->rcu, worker) : -EINVAL;
}

void pt_geo_worker_offline(struct pt_geo_published *pub, uint32_t worker)
{
	if (pub != NULL)
		pt_rcu_reader_offline(pub->rcu, worker);
}

const struct pt_geo_db *pt_geo_current(struct pt_geo_published *pub)
{
	return pub != NULL ? pt_rcu_current(pub->rcu) : NULL;
}

void pt_geo_quiescent(struct pt_geo_published *pub, uint32_t worker)
{
	if (pub != NULL)
		pt_rcu_quiescent(pub->rcu, worker);
}

unsigned pt_geo_reclaim(struct pt_geo_published *pub)
{
	return pub != NULL ? pt_rcu_reclaim(pub->rcu) : 0;
}

int pt_geo_publish(struct pt_geo_published *pub, struct pt_geo_db *db)
{
	const struct pt_geo_db *old;

	if (pub == NULL || db == NULL)
		return -EINVAL;
	old = pt_rcu_current_publisher(pub->rcu);
	db->generation = old->generation + 1;
	return pt_rcu_publish(pub->rcu, db);
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
	cur = pt_rcu_current_publisher(pub->rcu);

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
	geo_db_start_index(db);
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
