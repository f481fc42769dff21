/* SPDX-License-Identifier: BSD-3-Clause */
/* rcu.c - One pointer published to worker threads with rte_rcu_qsbr (no EAL needed), old values freed after a grace period. */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>

#include <rte_rcu_qsbr.h>

#include "pt_util.h"

struct rcu_retired {
	void *value;
	uint64_t token;
};

struct pt_rcu {
	/* Read by every worker once per burst: alone on its cache line. */
	_Atomic(void *) current PT_CACHE_ALIGNED;

	/* Publisher side only. */
	struct rte_rcu_qsbr *qsbr PT_CACHE_ALIGNED;
	uint32_t max_readers;
	uint32_t n_retired;
	void (*free_fn)(void *value, void *arg);
	void *free_arg;
	struct rcu_retired retired[PT_RCU_RETIRED_MAX];
};

struct pt_rcu *pt_rcu_create(void *first, uint32_t max_readers, void (*free_fn)(void *value, void *arg), void *free_arg)
{
	struct pt_rcu *rcu;

	if (max_readers == 0 || max_readers > RTE_MAX_LCORE || free_fn == NULL)
		return NULL;
	rcu = pt_zalloc_aligned(sizeof(*rcu));
	if (rcu == NULL)
		return NULL;
	rcu->qsbr = pt_zalloc_aligned(rte_rcu_qsbr_get_memsize(max_readers));
	if (rcu->qsbr == NULL)
		goto free_rcu;
	if (rte_rcu_qsbr_init(rcu->qsbr, max_readers) != 0)
		goto free_qsbr;
	rcu->max_readers = max_readers;
	rcu->free_fn = free_fn;
	rcu->free_arg = free_arg;
	atomic_store_explicit(&rcu->current, first, memory_order_release);
	return rcu;

free_qsbr:
	pt_free_aligned(rcu->qsbr);
free_rcu:
	pt_free_aligned(rcu);
	return NULL;
}

void pt_rcu_free(struct pt_rcu *rcu)
{
	void *cur;

	if (rcu == NULL)
		return;
	for (uint32_t i = 0; i < rcu->n_retired; i++)
		rcu->free_fn(rcu->retired[i].value, rcu->free_arg);
	cur = atomic_load_explicit(&rcu->current, memory_order_relaxed);
	if (cur != NULL)
		rcu->free_fn(cur, rcu->free_arg);
	pt_free_aligned(rcu->qsbr);
	pt_free_aligned(rcu);
}

int pt_rcu_reader_online(struct pt_rcu *rcu, uint32_t reader)
{
	if (rcu == NULL || reader >= rcu->max_readers)
		return -EINVAL;
	if (rte_rcu_qsbr_thread_register(rcu->qsbr, reader) != 0)
		return -EINVAL;
	rte_rcu_qsbr_thread_online(rcu->qsbr, reader);
	return 0;
}

void pt_rcu_reader_offline(struct pt_rcu *rcu, uint32_t reader)
{
	if (rcu == NULL || reader >= rcu->max_readers)
		return;
	rte_rcu_qsbr_thread_offline(rcu->qsbr, reader);
	rte_rcu_qsbr_thread_unregister(rcu->qsbr, reader);
}

void *pt_rcu_current(struct pt_rcu *rcu)
{
	return rcu != NULL ? atomic_load_explicit(&rcu->current, memory_order_acquire) : NULL;
}

void *pt_rcu_current_publisher(const struct pt_rcu *rcu)
{
	return rcu != NULL ? atomic_load_explicit(&((struct pt_rcu *)rcu)->current, memory_order_relaxed) : NULL;
}

void pt_rcu_quiescent(struct pt_rcu *rcu, uint32_t reader)
{
	if (rcu != NULL && reader < rcu->max_readers)
		rte_rcu_qsbr_quiescent(rcu->qsbr, reader);
}

unsigned pt_rcu_reclaim(struct pt_rcu *rcu)
{
	uint32_t kept = 0;

	if (rcu == NULL)
		return 0;
	for (uint32_t i = 0; i < rcu->n_retired; i++) {
		if (rte_rcu_qsbr_check(rcu->qsbr, rcu->retired[i].token, false) == 1)
			rcu->free_fn(rcu->retired[i].value, rcu->free_arg);
		else
			rcu->retired[kept++] = rcu->retired[i];
	}
	rcu->n_retired = kept;
	return kept;
}

int pt_rcu_publish(struct pt_rcu *rcu, void *value)
{
	void *old;

	if (rcu == NULL || value == NULL)
		return -EINVAL;
	if (rcu->n_retired == PT_RCU_RETIRED_MAX && pt_rcu_reclaim(rcu) == PT_RCU_RETIRED_MAX)
		return -EBUSY;
	old = atomic_load_explicit(&rcu->current, memory_order_relaxed);
	atomic_store_explicit(&rcu->current, value, memory_order_release);
	if (old == NULL)
		return 0;
	/* Readers that loaded the old pointer have not reported quiescent against this token yet. */
	rcu->retired[rcu->n_retired].value = old;
	rcu->retired[rcu->n_retired].token = rte_rcu_qsbr_start(rcu->qsbr);
	rcu->n_retired++;
	return 0;
}
