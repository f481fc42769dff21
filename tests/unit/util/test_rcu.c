/* SPDX-License-Identifier: BSD-3-Clause */
/* test_rcu.c - Unit tests for lib/util's RCU publication: grace periods, offline readers, -EBUSY, a reader thread racing publishes. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_config.h>

#include "pt_util.h"

#define MAGIC 0x5ca1ab1e0ddba11ULL
#define POISON 0xdeaddeaddeaddeadULL

struct val {
	uint64_t magic;
	uint64_t seq;
	uint64_t check;                  /* seq * 3 + 1, read after seq: a torn or freed value shows */
};

/* What the free callback saw. */
struct freed {
	_Atomic unsigned count;
	uint64_t seq[64];                /* in order, the first 64 */
	_Atomic unsigned bad;            /* values freed twice or not ours */
};

static struct val *val_new(uint64_t seq)
{
	struct val *v = malloc(sizeof(*v));

	assert_non_null(v);
	v->magic = MAGIC;
	v->seq = seq;
	v->check = seq * 3 + 1;
	return v;
}

static void val_free(void *value, void *arg)
{
	struct freed *f = arg;
	struct val *v = value;
	unsigned n = atomic_fetch_add(&f->count, 1);

	if (v->magic != MAGIC)
		atomic_fetch_add(&f->bad, 1);
	if (n < PT_ARRAY_SIZE(f->seq))
		f->seq[n] = v->seq;
	v->magic = POISON;
	v->seq = POISON;
	v->check = POISON;
	free(v);
}

static void test_create_current_free(void **state)
{
	struct freed f = { 0 };
	struct val *a = val_new(1);
	struct pt_rcu *rcu = pt_rcu_create(a, 2, val_free, &f);

	(void)state;
	assert_non_null(rcu);
	assert_ptr_equal(pt_rcu_current(rcu), a);
	assert_ptr_equal(pt_rcu_current_publisher(rcu), a);
	assert_int_equal(pt_rcu_reclaim(rcu), 0);
	assert_int_equal(atomic_load(&f.count), 0);
	pt_rcu_free(rcu);
	assert_int_equal(atomic_load(&f.count), 1);
	assert_int_equal(f.seq[0], 1);

	/* Starting with nothing: the first publish retires nothing. */
	memset(&f, 0, sizeof(f));
	rcu = pt_rcu_create(NULL, 1, val_free, &f);
	assert_non_null(rcu);
	assert_null(pt_rcu_current(rcu));
	assert_int_equal(pt_rcu_reader_online(rcu, 0), 0);
	assert_int_equal(pt_rcu_publish(rcu, val_new(7)), 0);
	assert_int_equal(pt_rcu_reclaim(rcu), 0);
	assert_int_equal(atomic_load(&f.count), 0);
	assert_int_equal(((struct val *)pt_rcu_current(rcu))->seq, 7);
	pt_rcu_reader_offline(rcu, 0);
	pt_rcu_free(rcu);
	assert_int_equal(atomic_load(&f.count), 1);
	assert_int_equal(atomic_load(&f.bad), 0);
}

static void test_null_and_bad_arguments(void **state)
{
	struct freed f = { 0 };
	struct val *a = val_new(1);
	struct pt_rcu *rcu;

	(void)state;
	assert_null(pt_rcu_create(a, 0, val_free, &f));
	assert_null(pt_rcu_create(a, RTE_MAX_LCORE + 1, val_free, &f));
	assert_null(pt_rcu_create(a, 1, NULL, &f));
	assert_int_equal(atomic_load(&f.count), 0);        /* a still belongs to the caller */
	assert_int_equal(a->magic, MAGIC);
	pt_rcu_free(NULL);
	assert_null(pt_rcu_current(NULL));
	assert_null(pt_rcu_current_publisher(NULL));
	pt_rcu_quiescent(NULL, 0);
	pt_rcu_reader_offline(NULL, 0);
	assert_int_equal(pt_rcu_reclaim(NULL), 0);
	assert_int_equal(pt_rcu_reader_online(NULL, 0), -EINVAL);
	assert_int_equal(pt_rcu_publish(NULL, a), -EINVAL);

	rcu = pt_rcu_create(a, RTE_MAX_LCORE, val_free, &f);
	assert_non_null(rcu);
	assert_int_equal(pt_rcu_publish(rcu, NULL), -EINVAL);
	assert_ptr_equal(pt_rcu_current(rcu), a);
	assert_int_equal(pt_rcu_reader_online(rcu, RTE_MAX_LCORE), -EINVAL);
	assert_int_equal(pt_rcu_reader_online(rcu, RTE_MAX_LCORE - 1), 0);
	pt_rcu_quiescent(rcu, RTE_MAX_LCORE);            /* out of range: ignored */
	pt_rcu_reader_offline(rcu, RTE_MAX_LCORE);
	pt_rcu_reader_offline(rcu, RTE_MAX_LCORE - 1);
	pt_rcu_free(rcu);
	assert_int_equal(atomic_load(&f.count), 1);
}

/* A retired value is freed once every online reader has been quiescent since the swap, not before. */
static void test_grace_period(void **state)
{
	struct freed f = { 0 };
	struct val *a = val_new(1), *b = val_new(2), *c = val_new(3);
	struct pt_rcu *rcu = pt_rcu_create(a, 3, val_free, &f);
	struct val *held0, *held1;

	(void)state;
	assert_int_equal(pt_rcu_reader_online(rcu, 0), 0);
	assert_int_equal(pt_rcu_reader_online(rcu, 1), 0);
	held0 = pt_rcu_current(rcu);
	held1 = pt_rcu_current(rcu);
	assert_ptr_equal(held0, a);

	assert_int_equal(pt_rcu_publish(rcu, b), 0);
	assert_ptr_equal(pt_rcu_current(rcu), b);
	assert_ptr_equal(pt_rcu_current_publisher(rcu), b);
	assert_int_equal(pt_rcu_reclaim(rcu), 1);
	assert_int_equal(atomic_load(&f.count), 0);
	assert_int_equal(held0->magic, MAGIC);

	pt_rcu_quiescent(rcu, 0);                          /* reader 1 still holds a */
	assert_int_equal(pt_rcu_reclaim(rcu), 1);
	assert_int_equal(atomic_load(&f.count), 0);
	assert_int_equal(held1->seq, 1);

	pt_rcu_quiescent(rcu, 1);
	assert_int_equal(pt_rcu_reclaim(rcu), 0);
	assert_int_equal(atomic_load(&f.count), 1);
	assert_int_equal(f.seq[0], 1);

	/* Quiescent before the swap does not count for it. */
	pt_rcu_quiescent(rcu, 0);
	pt_rcu_quiescent(rcu, 1);
	assert_int_equal(pt_rcu_publish(rcu, c), 0);
	assert_int_equal(pt_rcu_reclaim(rcu), 1);
	pt_rcu_quiescent(rcu, 1);
	pt_rcu_quiescent(rcu, 0);
	assert_int_equal(pt_rcu_reclaim(rcu), 0);
	assert_int_equal(atomic_load(&f.count), 2);
	assert_int_equal(f.seq[1], 2);

	pt_rcu_reader_offline(rcu, 0);
	pt_rcu_reader_offline(rcu, 1);
	pt_rcu_free(rcu);
	assert_int_equal(atomic_load(&f.count), 3);
	assert_int_equal(atomic_load(&f.bad), 0);
}

static void test_offline_readers_do_not_block(void **state)
{
	struct freed f = { 0 };
	struct pt_rcu *rcu = pt_rcu_create(val_new(1), 4, val_free, &f);

	(void)state;
	/* Reader 2 never comes online, reader 1 goes offline again, reader 0 is the only one that counts. */
	assert_int_equal(pt_rcu_reader_online(rcu, 0), 0);
	assert_int_equal(pt_rcu_reader_online(rcu, 1), 0);
	pt_rcu_reader_offline(rcu, 1);
	assert_int_equal(pt_rcu_publish(rcu, val_new(2)), 0);
	assert_int_equal(pt_rcu_reclaim(rcu), 1);
	pt_rcu_quiescent(rcu, 0);
	assert_int_equal(pt_rcu_reclaim(rcu), 0);
	assert_int_equal(atomic_load(&f.count), 1);

	/* A reader going offline while holding back a grace period releases it. */
	assert_int_equal(pt_rcu_reader_online(rcu, 3), 0);
	assert_int_equal(pt_rcu_publish(rcu, val_new(3)), 0);
	pt_rcu_quiescent(rcu, 0);
	assert_int_equal(pt_rcu_reclaim(rcu), 1);
	pt_rcu_reader_offline(rcu, 3);
	assert_int_equal(pt_rcu_reclaim(rcu), 0);
	assert_int_equal(atomic_load(&f.count), 2);

	/* With nobody online, a publish's old value goes at the next reclaim. */
	pt_rcu_reader_offline(rcu, 0);
	assert_int_equal(pt_rcu_publish(rcu, val_new(4)), 0);
	assert_int_equal(pt_rcu_reclaim(rcu), 0);
	assert_int_equal(atomic_load(&f.count), 3);

	/* Back online: holds grace periods again. */
	assert_int_equal(pt_rcu_reader_online(rcu, 0), 0);
	assert_int_equal(pt_rcu_publish(rcu, val_new(5)), 0);
	assert_int_equal(pt_rcu_reclaim(rcu), 1);
	pt_rcu_quiescent(rcu, 0);
	assert_int_equal(pt_rcu_reclaim(rcu), 0);
	pt_rcu_reader_offline(rcu, 0);
	pt_rcu_free(rcu);
	assert_int_equal(atomic_load(&f.count), 5);
	assert_int_equal(atomic_load(&f.bad), 0);
	for (unsigned i = 0; i < 5; i++)
		assert_int_equal(f.seq[i], i + 1);
}

static void test_busy_when_retired_full(void **state)
{
	struct freed f = { 0 };
	struct pt_rcu *rcu = pt_rcu_create(val_new(0), 1, val_free, &f);
	struct val *extra = val_new(100);

	(void)state;
	assert_int_equal(pt_rcu_reader_online(rcu, 0), 0);      /* and never quiescent for a while */
	for (unsigned i = 1; i <= PT_RCU_RETIRED_MAX; i++)
		assert_int_equal(pt_rcu_publish(rcu, val_new(i)), 0);
	assert_int_equal(pt_rcu_reclaim(rcu), PT_RCU_RETIRED_MAX);
	assert_int_equal(pt_rcu_publish(rcu, extra), -EBUSY);
	assert_int_equal(pt_rcu_publish(rcu, extra), -EBUSY);
	/* The refused value still belongs to the caller; the current one did not change. */
	assert_int_equal(extra->magic, MAGIC);
	assert_int_equal(((struct val *)pt_rcu_current(rcu))->seq, PT_RCU_RETIRED_MAX);
	assert_int_equal(atomic_load(&f.count), 0);

	pt_rcu_quiescent(rcu, 0);
	assert_int_equal(pt_rcu_publish(rcu, extra), 0);         /* reclaims on its own, then publishes */
	assert_int_equal(atomic_load(&f.count), PT_RCU_RETIRED_MAX);
	for (unsigned i = 0; i < PT_RCU_RETIRED_MAX; i++)
		assert_int_equal(f.seq[i], i);
	assert_int_equal(pt_rcu_reclaim(rcu), 1);
	assert_ptr_equal(pt_rcu_current(rcu), extra);
	pt_rcu_reader_offline(rcu, 0);
	pt_rcu_free(rcu);                                        /* frees the retired one and extra */
	assert_int_equal(atomic_load(&f.count), PT_RCU_RETIRED_MAX + 2);
	assert_int_equal(atomic_load(&f.bad), 0);
}

/* pt_rcu_free() frees the current value and every retired one still waiting. */
static void test_free_with_retired(void **state)
{
	struct freed f = { 0 };
	struct pt_rcu *rcu = pt_rcu_create(val_new(0), 2, val_free, &f);

	(void)state;
	assert_int_equal(pt_rcu_reader_online(rcu, 1), 0);
	for (unsigned i = 1; i <= 5; i++)
		assert_int_equal(pt_rcu_publish(rcu, val_new(i)), 0);
	assert_int_equal(pt_rcu_reclaim(rcu), 5);
	pt_rcu_reader_offline(rcu, 1);
	pt_rcu_free(rcu);
	assert_int_equal(atomic_load(&f.count), 6);
	assert_int_equal(atomic_load(&f.bad), 0);
}

/* ---- a reader thread racing the publisher ----------------------------------------------------------------- */

struct race {
	struct pt_rcu *rcu;
	_Atomic bool stop;
	_Atomic bool started;
	_Atomic uint64_t reads;
	_Atomic uint64_t seen;           /* distinct values seen */
	_Atomic uint64_t bad;            /* a value whose magic or check was wrong, or seq going back */
};

static void *race_reader(void *arg)
{
	struct race *r = arg;
	uint64_t last = 0;

	if (pt_rcu_reader_online(r->rcu, 1) != 0) {
		atomic_fetch_add(&r->bad, 1);
		return NULL;
	}
	atomic_store(&r->started, true);
	while (!atomic_load_explicit(&r->stop, memory_order_relaxed)) {
		/* One "burst": read the value several times, as a worker would use it for many packets. */
		const volatile struct val *v = pt_rcu_current(r->rcu);
		uint64_t seq = v->seq;

		for (int i = 0; i < 16; i++) {
			if (v->magic != MAGIC || v->seq != seq || v->check != seq * 3 + 1)
				atomic_fetch_add(&r->bad, 1);
		}
		if (seq < last)
			atomic_fetch_add(&r->bad, 1);
		if (seq != last)
			atomic_fetch_add_explicit(&r->seen, 1, memory_order_relaxed);
		last = seq;
		atomic_fetch_add_explicit(&r->reads, 1, memory_order_relaxed);
		pt_rcu_quiescent(r->rcu, 1);
	}
	pt_rcu_reader_offline(r->rcu, 1);
	return NULL;
}

static void test_reader_thread_races_publishes(void **state)
{
	struct freed f = { 0 };
	struct race r = { .rcu = pt_rcu_create(val_new(0), 2, val_free, &f) };
	uint64_t published = 0, busy = 0, start;
	pthread_t reader;

	(void)state;
	assert_non_null(r.rcu);
	assert_int_equal(pthread_create(&reader, NULL, race_reader, &r), 0);
	while (!atomic_load(&r.started) && atomic_load(&r.bad) == 0)
		sched_yield();
	start = pt_time_mono_ns();
	while (pt_time_mono_ns() - start < 500000000ULL || published < 2000) {
		struct val *v = val_new(published + 1);
		int rc;

		while ((rc = pt_rcu_publish(r.rcu, v)) == -EBUSY) {
			busy++;
			pt_rcu_reclaim(r.rcu);
			sched_yield();
		}
		assert_int_equal(rc, 0);
		published++;
		if (published % 4 == 0)
			pt_rcu_reclaim(r.rcu);
	}
	atomic_store(&r.stop, true);
	assert_int_equal(pthread_join(reader, NULL), 0);
	assert_int_equal(pt_rcu_reclaim(r.rcu), 0);             /* the reader went offline: nothing waits */
	fprintf(stderr, "# %lu published (%lu busy retries), reader: %lu reads, %lu values seen\n",
		(unsigned long)published, (unsigned long)busy, (unsigned long)atomic_load(&r.reads),
		(unsigned long)atomic_load(&r.seen));
	assert_int_equal(atomic_load(&r.bad), 0);
	assert_int_equal(atomic_load(&f.bad), 0);
	assert_int_equal(atomic_load(&f.count), published);     /* every replaced value freed, exactly once */
	assert_true(atomic_load(&r.seen) > 1);
	pt_rcu_free(r.rcu);
	assert_int_equal(atomic_load(&f.count), published + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_current_free),
		cmocka_unit_test(test_null_and_bad_arguments),
		cmocka_unit_test(test_grace_period),
		cmocka_unit_test(test_offline_readers_do_not_block),
		cmocka_unit_test(test_busy_when_retired_full),
		cmocka_unit_test(test_free_with_retired),
		cmocka_unit_test(test_reader_thread_races_publishes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
