/* SPDX-License-Identifier: BSD-3-Clause */
/* runtime.c - The run modes: a file (a worker thread), a live interface (one thread), DPDK (worker lcores); control. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#include "podtap.h"

#define RUNTIME_ERR_LEN 512

static void runtime_sleep_us(long us)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = us * 1000 };

	nanosleep(&ts, NULL);
}

/* An offline source (a replay's last pass) has ended on every worker. */
static bool runtime_sources_ended(const struct pt_worker *workers, uint32_t n_workers)
{
	for (uint32_t w = 0; w < n_workers; w++)
		if (!atomic_load_explicit(&workers[w].rx_stopped, memory_order_acquire))
			return false;
	return true;
}

/* Stop the workers and drain every record they flush. */
static void runtime_stop_workers(struct pt_control *ctl, struct pt_worker *workers, uint32_t n_workers)
{
	/* Worker 0 spreads packets to the others when a port lacks RSS: stop it first, then let them drain. */
	atomic_store(&workers[0].stop, true);
	while (!atomic_load_explicit(&workers[0].rx_stopped, memory_order_acquire))
		pt_control_drain(ctl);
	for (uint32_t w = 1; w < n_workers; w++)
		atomic_store(&workers[w].stop, true);
	for (bool all_done = false; !all_done;) {
		all_done = true;
		for (uint32_t w = 0; w < n_workers; w++)
			all_done &= atomic_load_explicit(&workers[w].finished, memory_order_acquire);
		pt_control_drain(ctl);
	}
	while (pt_control_drain(ctl) > 0)
		;
}

/* The control side's loop while workers run elsewhere: until a signal, --exit-idle (@p idle_ends: not for a file,
 * which ends on its own), --count or the end of every worker's source; then stop them and take what they flush. */
static void runtime_control_loop(struct pt_control *ctl, struct pt_worker *workers, uint32_t n_workers,
				 bool idle_ends, volatile sig_atomic_t *stop_signal)
{
	while (!*stop_signal && !(idle_ends && pt_control_idle_expired(ctl)) && !pt_control_count_reached(ctl) &&
	       !runtime_sources_ended(workers, n_workers)) {
		if (pt_control_drain(ctl) == 0)
			runtime_sleep_us(1000);
		pt_control_tick(ctl);
	}
	runtime_stop_workers(ctl, workers, n_workers);
}

/* The thread a -r worker runs on: the same loop as a worker lcore's. */
static void *runtime_worker_thread(void *arg)
{
	pt_worker_main(arg);
	return NULL;
}

/*
 * libpcap. A file (-r) is read by a worker on a thread of its own while this thread is the control side, as in
 * DPDK mode; the worker waits for room in its rings rather than drop, since a file can wait. Live (-i), the
 * worker and the control side take turns on this thread, which sleeps while there is nothing to read.
 */
int pt_run_pcap(const struct pt_config *cfg, const struct pt_options *opt, struct pt_shared *shared,
		volatile sig_atomic_t *stop_signal)
{
	char err[RUNTIME_ERR_LEN];
	struct pt_capture *cap;
	struct pt_worker worker;
	struct pt_control ctl;
	bool live = opt->iface != NULL;
	pthread_t thread;
	int rc = 1;

	if (pt_shared_start(cfg, shared) != 0)   /* no lcores here: the thread may run anywhere */
		return 1;
	if (live)
		cap = pt_capture_open_pcap_live(opt->iface, cfg->capture.snaplen, cfg->capture.promiscuous,
						cfg->capture.bpf_filter, err, sizeof(err));
	else
		cap = pt_capture_open_pcap_file(opt->pcap_file, err, sizeof(err));
	if (cap == NULL) {
		pt_log(PT_LOG_ERR, "%s", err);
		return live ? 1 : 2;          /* an unreadable -r file is a bad argument */
	}
	if (pt_worker_init(&worker, 0, cfg, pt_capture_get_queue(cap, 0), shared, live, err, sizeof(err)) != 0) {
		pt_log(PT_LOG_ERR, "%s", err);
		goto close_capture;
	}
	worker.max_packets = opt->max_packets;
	worker.wait_for_room = !live;
	if (live)      /* as in DPDK mode: no page faults on the record ring while packets arrive */
		pt_spsc_ring_prefault(worker.records);
	if (pt_control_init(&ctl, cfg, opt, shared, &worker, 1, cap, err, sizeof(err)) != 0) {
		pt_log(PT_LOG_ERR, "%s", err);
		goto free_worker;
	}
	pt_log(PT_LOG_INFO, "reading %s", pt_capture_describe(cap));
	if (!live) {
		int trc = pthread_create(&thread, NULL, runtime_worker_thread, &worker);

		if (trc != 0) {
			pt_log(PT_LOG_ERR, "cannot start the worker thread: %s", strerror(trc));
			pt_control_fini(&ctl);
			goto free_worker;
		}
		pthread_setname_np(thread, "podtap-worker");
		runtime_control_loop(&ctl, &worker, 1, false, stop_signal);
		pthread_join(thread, NULL);
		rc = pt_control_fini(&ctl) == 0 ? 0 : 1;
		goto free_worker;
	}
	pt_worker_readers_online(&worker);        /* this thread is worker 0 between its control turns */
	while (!*stop_signal && !worker.source_ended && !pt_control_count_reached(&ctl)) {
		uint32_t got = pt_worker_poll(&worker);

		pt_worker_account_last_poll(&worker);      /* before the control side's turn, which is not the worker's */
		pt_control_drain(&ctl);
		pt_control_tick(&ctl);
		if (got == 0) {
			if (pt_control_idle_expired(&ctl))
				break;
			runtime_sleep_us(1000);
		}
	}
	while (!pt_worker_flush_step(&worker))
		pt_control_drain(&ctl);
	while (pt_control_drain(&ctl) > 0)
		;
	pt_worker_readers_offline(&worker);
	rc = pt_control_fini(&ctl) == 0 ? 0 : 1;
free_worker:
	pt_worker_fini(&worker);
close_capture:
	pt_capture_close(cap);
	return rc;
}

static uint32_t runtime_worker_lcores(const struct pt_config *cfg, char *err, size_t err_len)
{
	uint32_t available = rte_lcore_count() - 1;

	if (available == 0) {
		snprintf(err, err_len, "DPDK mode needs a worker lcore beside the main one: give the EAL e.g. -l 0,1");
		return 0;
	}
	if (cfg->capture.workers == 0)
		return available < PT_MAX_WORKERS ? available : PT_MAX_WORKERS;
	if (cfg->capture.workers > available) {
		snprintf(err, err_len, "capture.workers is %u but the EAL has only %u worker lcore%s (-l)",
			 cfg->capture.workers, available, available == 1 ? "" : "s");
		return 0;
	}
	return cfg->capture.workers;
}

/* DPDK: one worker per lcore, run to completion; the main lcore only does control work. */
int pt_run_dpdk(const struct pt_config *cfg, const struct pt_options *opt, struct pt_shared *shared,
		volatile sig_atomic_t *stop_signal)
{
	char err[RUNTIME_ERR_LEN];
	struct pt_capture_dpdk_config dcfg;
	struct pt_capture *cap = NULL;
	struct pt_worker *workers = NULL;
	struct pt_control ctl;
	uint32_t n_workers, n_ready = 0, w;
	unsigned lcore;
	int rc = 1;

	if (rte_eal_init(opt->eal_argc, opt->eal_argv) < 0) {
		pt_log(PT_LOG_ERR, "EAL initialisation failed: %s", rte_strerror(rte_errno));
		return rte_errno == EINVAL ? 2 : 1;    /* EINVAL: the EAL arguments themselves */
	}
	/* Now that this thread is pinned to the main lcore, the thread it starts stays off the workers' cores. */
	if (pt_shared_start(cfg, shared) != 0)
		goto cleanup_eal;
	n_workers = runtime_worker_lcores(cfg, err, sizeof(err));
	if (n_workers == 0) {
		pt_log(PT_LOG_ERR, "%s", err);
		goto cleanup_eal;
	}
	dcfg = (struct pt_capture_dpdk_config){
		.workers = n_workers, .rx_descriptors = cfg->capture.rx_descriptors, .mbufs = cfg->capture.mbufs,
		.mbuf_cache = cfg->capture.mbuf_cache,
		.mbuf_size = cfg->capture.mbuf_size, .rss = cfg->capture.rss, .promiscuous = cfg->capture.promiscuous,
	};
	if (opt->replay_file != NULL) {
		struct pt_capture_replay_config rcfg = {
			.path = opt->replay_file, .queues = n_workers, .loops = opt->replay_loops,
			.rate_pps = opt->replay_rate_pps, .ring_size = cfg->capture.rx_descriptors,
		};

		cap = pt_capture_open_replay(&rcfg, err, sizeof(err));
	} else {
		cap = pt_capture_open_dpdk(&dcfg, err, sizeof(err));
	}
	if (cap == NULL) {
		pt_log(PT_LOG_ERR, "%s", err);
		if (opt->replay_file != NULL)
			rc = 2;        /* an unreadable --replay file is a bad argument, as for -r */
		goto cleanup_eal;
	}
	workers = pt_zalloc_aligned(sizeof(*workers) * n_workers);
	if (workers == NULL) {
		pt_log(PT_LOG_ERR, "out of memory for %u workers", n_workers);
		goto close_capture;
	}
	for (n_ready = 0; n_ready < n_workers; n_ready++) {
		/* Replays (--exit-idle, --replay) run on packet time alone, so they give the same records as -r. */
		if (pt_worker_init(&workers[n_ready], n_ready, cfg, pt_capture_get_queue(cap, n_ready), shared,
				   opt->exit_idle_ns == 0 && opt->replay_file == NULL, err, sizeof(err)) != 0) {
			pt_log(PT_LOG_ERR, "%s", err);
			goto free_workers;
		}
		/* --count is exact with one worker; with more, the control side stops them when their sum reaches it. */
		if (n_workers == 1)
			workers[n_ready].max_packets = opt->max_packets;
		workers[n_ready].coalesce_cycles = (uint64_t)cfg->capture.coalesce_us * rte_get_tsc_hz() / 1000000;
		/* Its first pass over the record ring would otherwise fault a page every three records: under a SYN
		 * flood that is 40-60 ms of faults in which a worker at 60% of its capacity overflowed a 4096-packet
		 * NIC ring. A file (-r) can wait for them. */
		pt_spsc_ring_prefault(workers[n_ready].records);
	}
	if (pt_control_init(&ctl, cfg, opt, shared, workers, n_workers, cap, err, sizeof(err)) != 0) {
		pt_log(PT_LOG_ERR, "%s", err);
		goto free_workers;
	}
	pt_log(PT_LOG_INFO, "capturing from %s", pt_capture_describe(cap));
	pt_geo_wait_index(shared->geo);             /* built beside the set-up: none of it shares the workers' start */
	/* --exit-idle counts from the launch, not from the (possibly slow) set-up. */
	for (w = 0; w < n_workers; w++)
		atomic_store(&workers[w].last_packet_mono_ns, pt_time_mono_ns());
	w = 0;
	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (w == n_workers)
			break;
		if (rte_eal_remote_launch(pt_worker_main, &workers[w], lcore) != 0) {
			pt_log(PT_LOG_ERR, "cannot launch worker %u on lcore %u; stopping", w, lcore);
			break;
		}
		w++;
	}
	for (uint32_t never = w; never < n_workers; never++) {   /* workers that never ran have nothing to flush */
		atomic_store(&workers[never].rx_stopped, true);
		atomic_store(&workers[never].finished, true);
	}
	if (w == n_workers)
		runtime_control_loop(&ctl, workers, n_workers, true, stop_signal);
	else
		runtime_stop_workers(&ctl, workers, n_workers);
	rte_eal_mp_wait_lcore();
	rc = pt_control_fini(&ctl) == 0 ? 0 : 1;
free_workers:
	for (w = 0; w < n_ready; w++)
		pt_worker_fini(&workers[w]);
	pt_free_aligned(workers);
close_capture:
	pt_capture_close(cap);
cleanup_eal:
	rte_eal_cleanup();
	return rc;
}
