/* SPDX-License-Identifier: BSD-3-Clause */
/* test_capture_replay.c - The in-process replay on pcaps it writes: order, passes, symmetric split, stats, rate. */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <dirent.h>
#include <rte_eal.h>

#include "capture_priv.h"
#include "pt_capture.h"

#define BASE_SEC 1764786900u
#define MAX_FRAMES 64
#define FRAME_MAX 128

/* One frame of a test capture; the last two bytes of the source MAC are its index in the file. */
struct frame {
	uint8_t data[FRAME_MAX];
	uint32_t cap_len;
	uint32_t wire_len;
	uint64_t ts_ns;
	int flow;                    /* which conversation it belongs to; -1 for a frame without IP */
};

struct capture_file {
	char path[256];
	struct frame frames[MAX_FRAMES];
	unsigned n;
};

static char tmp_dir[] = "/tmp/pt-test-replay.XXXXXX";
static bool eal_ready;

static const uint8_t eth_ipv4[14] = { 0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0, 0x08, 0x00 };
static const uint8_t eth_ipv6[14] = { 0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0, 0x86, 0xDD };
static const uint8_t eth_arp[14] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 0, 0x08, 0x06 };
/* IPv4 header without addresses: version/IHL, TOS, total length (patched), id, flags, TTL, protocol (patched). */
static const uint8_t ipv4_hdr[12] = { 0x45, 0x00, 0x00, 0x00, 0x00, 0x01, 0x40, 0x00, 0x40, 0x00, 0x00, 0x00 };
/* TCP header: ports (patched), seq, ack, offset 5, flags SYN|ACK patched, window. */
static const uint8_t tcp_hdr[20] = { 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0 };
static const uint8_t arp_body[28] = { 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x02, 0, 0, 0, 0, 0x07,
				      10, 244, 1, 1, 0, 0, 0, 0, 0, 0, 10, 244, 1, 2 };

static void put16be(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32le(FILE *f, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };

	assert_int_equal(fwrite(b, 1, 4, f), 4);
}

/* Build the next frame: flow @p flow between its two hosts, direction @p dir; TCP on even flows, UDP on odd ones. */
static struct frame *add_ipv4(struct capture_file *c, int flow, int dir, uint32_t truncate_to)
{
	struct frame *f = &c->frames[c->n];
	uint8_t a[4] = { 10, 244, (uint8_t)(1 + flow), 10 }, b[4] = { 203, 0, 113, (uint8_t)(10 + 7 * flow) };
	bool tcp = flow % 2 == 0;
	uint32_t l4 = tcp ? 20 : 8 + 6, off;

	assert_true(c->n < MAX_FRAMES);
	memset(f, 0, sizeof(*f));
	memcpy(f->data, eth_ipv4, 14);
	off = 14;
	memcpy(f->data + off, ipv4_hdr, 12);
	put16be(f->data + off + 2, (uint16_t)(20 + l4));
	f->data[off + 9] = tcp ? 6 : 17;
	memcpy(f->data + off + 12, dir ? b : a, 4);
	memcpy(f->data + off + 16, dir ? a : b, 4);
	off += 20;
	if (tcp) {
		memcpy(f->data + off, tcp_hdr, 20);
		put16be(f->data + off, (uint16_t)(dir ? 443 : 40000 + flow));
		put16be(f->data + off + 2, (uint16_t)(dir ? 40000 + flow : 443));
		f->data[off + 13] = dir ? 0x12 : 0x02;
	} else {
		put16be(f->data + off, (uint16_t)(dir ? 53 : 41000 + flow));
		put16be(f->data + off + 2, (uint16_t)(dir ? 41000 + flow : 53));
		put16be(f->data + off + 4, 8 + 6);
		memcpy(f->data + off + 8, "podtap", 6);
	}
	off += l4;
	f->wire_len = off;
	f->cap_len = truncate_to != 0 && truncate_to < off ? truncate_to : off;
	f->flow = flow;
	return f;
}

/* An IPv6 UDP frame of flow @p flow. */
static struct frame *add_ipv6(struct capture_file *c, int flow, int dir)
{
	struct frame *f = &c->frames[c->n];
	uint8_t *ip = f->data + 14;

	assert_true(c->n < MAX_FRAMES);
	memset(f, 0, sizeof(*f));
	memcpy(f->data, eth_ipv6, 14);
	ip[0] = 0x60;
	put16be(ip + 4, 8 + 4);
	ip[6] = 17;
	ip[7] = 64;
	ip[8] = 0xfd; ip[23] = (uint8_t)(dir ? 0x20 + flow : 0x10 + flow);
	ip[24] = 0xfd; ip[39] = (uint8_t)(dir ? 0x10 + flow : 0x20 + flow);
	put16be(ip + 40, (uint16_t)(dir ? 5353 : 42000 + flow));
	put16be(ip + 42, (uint16_t)(dir ? 42000 + flow : 5353));
	put16be(ip + 44, 8 + 4);
	memcpy(ip + 48, "six!", 4);
	f->wire_len = f->cap_len = 14 + 40 + 8 + 4;
	f->flow = flow;
	return f;
}

static struct frame *add_arp(struct capture_file *c)
{
	struct frame *f = &c->frames[c->n];

	assert_true(c->n < MAX_FRAMES);
	memset(f, 0, sizeof(*f));
	memcpy(f->data, eth_arp, 14);
	memcpy(f->data + 14, arp_body, 28);
	f->wire_len = f->cap_len = 14 + 28;
	f->flow = -1;
	return f;
}

/* Stamp the frame just built with its index and a time, and count it. Gaps are uneven so the mean is not one gap. */
static void commit(struct capture_file *c)
{
	struct frame *f = &c->frames[c->n];
	uint64_t us = (uint64_t)c->n * 1000 + (uint64_t)(c->n % 3) * 250 + (c->n > 0 ? 500 : 0);

	put16be(f->data + 10, (uint16_t)c->n);
	f->ts_ns = (uint64_t)BASE_SEC * 1000000000ULL + us * 1000;
	c->n++;
}

/* Write @p c as a classic little-endian microsecond pcap. */
static void write_capture(struct capture_file *c, const char *name)
{
	FILE *fp;

	snprintf(c->path, sizeof(c->path), "%s/%s", tmp_dir, name);
	fp = fopen(c->path, "wb");
	assert_non_null(fp);
	put32le(fp, 0xa1b2c3d4);
	put32le(fp, 0x00040002);     /* version 2.4 */
	put32le(fp, 0);
	put32le(fp, 0);
	put32le(fp, 65535);
	put32le(fp, 1);              /* Ethernet */
	for (unsigned i = 0; i < c->n; i++) {
		const struct frame *f = &c->frames[i];
		uint64_t sec = f->ts_ns / 1000000000ULL, usec = f->ts_ns % 1000000000ULL / 1000;

		put32le(fp, (uint32_t)sec);
		put32le(fp, (uint32_t)usec);
		put32le(fp, f->cap_len);
		put32le(fp, f->wire_len);
		assert_int_equal(fwrite(f->data, 1, f->cap_len, fp), f->cap_len);
	}
	assert_int_equal(fclose(fp), 0);
}

/*
 * The standard capture: 40 frames (more than a burst) over 12 conversations, both directions of each
 * interleaved with the others: IPv4 TCP and UDP, IPv6 UDP, two frames cut short by a snaplen, one ARP.
 */
static struct capture_file *standard_capture(void)
{
	struct capture_file *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	for (int round = 0; round < 3; round++) {
		for (int flow = 0; flow < 10; flow++) {
			add_ipv4(c, flow, (round + flow) % 2, round == 1 && flow == 3 ? 40 : round == 0 && flow == 4 ? 38 : 0);
			commit(c);
		}
	}
	add_arp(c);
	commit(c);
	for (int k = 0; k < 6; k++) {
		add_ipv6(c, 10 + k % 2, k / 2 % 2);
		commit(c);
	}
	add_ipv4(c, 9, 1, 0);
	commit(c);
	add_ipv4(c, 8, 0, 0);
	commit(c);
	add_ipv4(c, 0, 0, 0);
	commit(c);
	assert_int_equal(c->n, 40);
	write_capture(c, "standard.pcap");
	return c;
}

static void free_capture(struct capture_file *c)
{
	unlink(c->path);
	free(c);
}

static unsigned frame_index(const struct pt_capture_pkt *p)
{
	assert_true(p->cap_len >= 12);
	return (unsigned)p->data[10] << 8 | p->data[11];
}

static uint64_t expected_span(const struct capture_file *c)
{
	uint64_t first = c->frames[0].ts_ns, last = c->frames[c->n - 1].ts_ns;

	return (last - first) + (last - first) / (c->n - 1);
}

static struct pt_capture *open_replay(const struct capture_file *c, uint32_t queues, uint64_t loops, uint64_t rate,
				      uint32_t ring)
{
	struct pt_capture_replay_config cfg = { .path = c->path, .queues = queues, .loops = loops, .rate_pps = rate,
						.ring_size = ring };
	char err[256] = "";
	struct pt_capture *cap = pt_capture_open_replay(&cfg, err, sizeof(err));

	if (cap == NULL)
		fail_msg("open_replay(%s): %s", c->path, err);
	assert_int_equal(pt_capture_queue_count(cap), queues);
	return cap;
}

/* The delivered packet must be frame @p idx of the file, in pass @p pass. */
static void check_packet(const struct capture_file *c, const struct pt_capture_pkt *p, unsigned idx, uint64_t pass)
{
	const struct frame *f;

	assert_true(idx < c->n);
	f = &c->frames[idx];
	assert_int_equal(frame_index(p), idx);
	assert_int_equal(p->cap_len, f->cap_len);
	assert_int_equal(p->wire_len, f->wire_len);
	assert_memory_equal(p->data, f->data, f->cap_len);
	assert_int_equal(p->ts_ns, f->ts_ns + pass * expected_span(c));
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void test_one_pass_in_file_order_then_end(void **state)
{
	struct capture_file *c = standard_capture();
	struct pt_capture *cap = open_replay(c, 1, 1, 0, 0);
	struct pt_capture_queue *q = pt_capture_get_queue(cap, 0);
	struct pt_capture_pkt pkts[PT_CAPTURE_BURST];
	unsigned seen = 0;
	int n;

	(void)state;
	assert_non_null(q);
	assert_null(pt_capture_get_queue(cap, 1));
	assert_non_null(strstr(pt_capture_describe(cap), c->path));
	assert_non_null(strstr(pt_capture_describe(cap), "(40 packets), 1 queue"));
	assert_null(strstr(pt_capture_describe(cap), ", ,"));
	assert_int_not_equal(pt_capture_describe(cap)[strlen(pt_capture_describe(cap)) - 1], ' ');
	/* Uneven burst sizes: 7 at a time, then whatever is asked for (a burst is at most PT_CAPTURE_BURST). */
	while ((n = pt_capture_rx_burst(q, pkts, seen < 14 ? 7 : PT_CAPTURE_BURST)) != -ENODATA) {
		assert_true(n > 0 && n <= PT_CAPTURE_BURST);
		if (seen < 14)
			assert_int_equal(n, 7);
		for (int i = 0; i < n; i++, seen++)
			check_packet(c, &pkts[i], seen, 0);
		pt_capture_release(q);
		assert_true(seen <= c->n);
	}
	assert_int_equal(seen, c->n);
	assert_int_equal(pt_capture_rx_burst(q, pkts, PT_CAPTURE_BURST), -ENODATA);
	assert_int_equal(pt_capture_rx_burst(q, pkts, 1), -ENODATA);
	pt_capture_close(cap);
	free_capture(c);
}

static void test_loops_repeat_the_file_shifted_by_its_span(void **state)
{
	struct capture_file *c = standard_capture();
	struct pt_capture *cap = open_replay(c, 1, 3, 0, 0);
	struct pt_capture_queue *q = pt_capture_get_queue(cap, 0);
	struct pt_capture_pkt pkts[PT_CAPTURE_BURST];
	uint64_t ts[3 * MAX_FRAMES], span = expected_span(c);
	unsigned seen = 0;
	int n;

	(void)state;
	while ((n = pt_capture_rx_burst(q, pkts, PT_CAPTURE_BURST)) != -ENODATA) {
		assert_true(n > 0);
		for (int i = 0; i < n; i++, seen++) {
			assert_true(seen < 3 * c->n);
			check_packet(c, &pkts[i], seen % c->n, seen / c->n);
			ts[seen] = pkts[i].ts_ns;
		}
		pt_capture_release(q);
	}
	assert_int_equal(seen, 3 * c->n);
	/* Each pass comes one mean gap of the file after the last packet of the one before, and all of it moves. */
	for (unsigned pass = 1; pass < 3; pass++) {
		assert_true(ts[pass * c->n] > ts[pass * c->n - 1]);
		assert_int_equal(ts[pass * c->n] - ts[pass * c->n - 1],
				 (c->frames[c->n - 1].ts_ns - c->frames[0].ts_ns) / (c->n - 1));
		for (unsigned i = 0; i < c->n; i++)
			assert_int_equal(ts[pass * c->n + i] - ts[i], pass * span);
	}
	assert_int_equal(pt_capture_rx_burst(q, pkts, PT_CAPTURE_BURST), -ENODATA);
	pt_capture_close(cap);
	free_capture(c);
}

static void test_single_packet_and_equal_timestamps_still_advance(void **state)
{
	struct capture_file *c = calloc(1, sizeof(*c));
	struct pt_capture *cap;
	struct pt_capture_pkt pkts[4];
	uint64_t prev = 0;

	(void)state;
	assert_non_null(c);
	/* One packet: each pass is a second later. */
	add_ipv4(c, 0, 0, 0);
	commit(c);
	write_capture(c, "one.pcap");
	cap = open_replay(c, 1, 3, 0, 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(pt_capture_rx_burst(pt_capture_get_queue(cap, 0), pkts, 1), 1);
		assert_int_equal(pkts[0].ts_ns, c->frames[0].ts_ns + (uint64_t)i * 1000000000ULL);
	}
	assert_int_equal(pt_capture_rx_burst(pt_capture_get_queue(cap, 0), pkts, 4), -ENODATA);
	pt_capture_close(cap);
	unlink(c->path);
	/* Three packets with one timestamp: time still moves forward from pass to pass. */
	add_ipv4(c, 0, 1, 0);
	commit(c);
	add_ipv4(c, 0, 0, 0);
	commit(c);
	for (unsigned i = 0; i < c->n; i++)
		c->frames[i].ts_ns = (uint64_t)BASE_SEC * 1000000000ULL;
	write_capture(c, "same-time.pcap");
	cap = open_replay(c, 1, 4, 0, 0);
	for (int pass = 0; pass < 4; pass++) {
		assert_int_equal(pt_capture_rx_burst(pt_capture_get_queue(cap, 0), pkts, 3), 3);
		assert_int_equal(pkts[0].ts_ns, pkts[2].ts_ns);
		if (pass > 0)
			assert_true(pkts[0].ts_ns > prev);
		prev = pkts[2].ts_ns;
	}
	assert_int_equal(pt_capture_rx_burst(pt_capture_get_queue(cap, 0), pkts, 4), -ENODATA);
	pt_capture_close(cap);
	free_capture(c);
}

static void test_two_queues_keep_flows_whole(void **state)
{
	struct capture_file *c = standard_capture();
	struct pt_capture *cap = open_replay(c, 2, 1, 0, 0);
	struct pt_capture_pkt pkts[PT_CAPTURE_BURST];
	int owner[MAX_FRAMES], flow_queue[16], last[2] = { -1, -1 };
	unsigned per_queue[2] = { 0, 0 };
	bool ended[2] = { false, false };
	uint8_t key[PT_CAPTURE_SPREAD_KEY_LEN];

	(void)state;
	pt_capture_spread_key(key);
	for (unsigned i = 0; i < MAX_FRAMES; i++)
		owner[i] = -1;
	for (unsigned i = 0; i < 16; i++)
		flow_queue[i] = -1;
	/* Take turns, as two workers would. */
	for (int round = 0; round < 100 && !(ended[0] && ended[1]); round++) {
		for (uint32_t w = 0; w < 2; w++) {
			struct pt_capture_queue *q = pt_capture_get_queue(cap, w);
			int n;

			if (ended[w])
				continue;
			n = pt_capture_rx_burst(q, pkts, 5);
			if (n == -ENODATA) {
				ended[w] = true;
				continue;
			}
			assert_true(n > 0 && n <= 5);
			for (int i = 0; i < n; i++) {
				unsigned idx = frame_index(&pkts[i]);

				check_packet(c, &pkts[i], idx, 0);
				assert_int_equal(owner[idx], -1);               /* once */
				owner[idx] = (int)w;
				assert_true((int)idx > last[w]);                /* file order within a queue */
				last[w] = (int)idx;
				per_queue[w]++;
				/* The queue a NIC doing symmetric RSS on the addresses would pick. */
				assert_int_equal(w, pt_capture_spread_hash(key, c->frames[idx].data, c->frames[idx].cap_len) % 2);
			}
			pt_capture_release(q);
		}
	}
	assert_true(ended[0] && ended[1]);
	/* The union of both queues is the file. */
	assert_int_equal(per_queue[0] + per_queue[1], c->n);
	for (unsigned i = 0; i < c->n; i++)
		assert_int_not_equal(owner[i], -1);
	/* Both directions of every conversation on one queue, and both queues used. */
	for (unsigned i = 0; i < c->n; i++) {
		int flow = c->frames[i].flow;

		if (flow < 0) {
			assert_int_equal(owner[i], 0);                  /* no IP: hash 0 */
			continue;
		}
		if (flow_queue[flow] == -1)
			flow_queue[flow] = owner[i];
		assert_int_equal(owner[i], flow_queue[flow]);
	}
	assert_true(per_queue[0] > 0 && per_queue[1] > 0);
	pt_capture_close(cap);
	free_capture(c);
}

static void test_stats_count_what_was_delivered(void **state)
{
	struct capture_file *c = standard_capture();
	struct pt_capture *cap = open_replay(c, 2, 2, 0, 0);
	struct pt_capture_pkt pkts[PT_CAPTURE_BURST];
	struct pt_capture_stats st;
	uint64_t bytes = 0, file_bytes = 0, packets = 0;
	int n;

	(void)state;
	for (unsigned i = 0; i < c->n; i++)
		file_bytes += c->frames[i].wire_len;
	assert_int_equal(pt_capture_stats(cap, &st), 0);
	assert_int_equal(st.ipackets, 0);
	assert_int_equal(st.ibytes, 0);
	/* Part of queue 0, then the rest of both. */
	n = pt_capture_rx_burst(pt_capture_get_queue(cap, 0), pkts, 3);
	assert_int_equal(n, 3);
	for (int i = 0; i < n; i++)
		bytes += pkts[i].wire_len;
	packets += (uint64_t)n;
	assert_int_equal(pt_capture_stats(cap, &st), 0);
	assert_int_equal(st.ipackets, 3);
	assert_int_equal(st.ibytes, bytes);
	for (uint32_t w = 0; w < 2; w++) {
		struct pt_capture_queue *q = pt_capture_get_queue(cap, w);

		while ((n = pt_capture_rx_burst(q, pkts, PT_CAPTURE_BURST)) != -ENODATA) {
			assert_true(n > 0);
			for (int i = 0; i < n; i++)
				bytes += pkts[i].wire_len;
			packets += (uint64_t)n;
			assert_true(packets <= 2 * c->n);
			pt_capture_release(q);
		}
	}
	assert_int_equal(packets, 2 * c->n);
	assert_int_equal(pt_capture_stats(cap, &st), 0);
	assert_int_equal(st.ipackets, 2 * c->n);
	assert_int_equal(st.ibytes, bytes);
	assert_int_equal(st.ibytes, 2 * file_bytes);      /* wire bytes, including what a snaplen cut off */
	assert_int_equal(st.imissed, 0);
	assert_int_equal(st.ierrors, 0);
	assert_int_equal(st.rx_nombuf, 0);
	assert_int_equal(st.sw_dropped, 0);
	pt_capture_close(cap);
	free_capture(c);
}

static void expect_refused(const struct pt_capture_replay_config *cfg, const char *must_mention)
{
	char err[256] = "";

	assert_null(pt_capture_open_replay(cfg, err, sizeof(err)));
	if (err[0] == '\0' || strchr(err, '\n') != NULL || (must_mention != NULL && strstr(err, must_mention) == NULL))
		fail_msg("error for %s: '%s' (want one line naming '%s')", cfg->path, err,
			 must_mention != NULL ? must_mention : "");
}

static void test_bad_files_and_settings_are_refused(void **state)
{
	struct capture_file *c = calloc(1, sizeof(*c));
	struct pt_capture_replay_config cfg = { .queues = 1, .loops = 1 };
	char missing[300];
	FILE *fp;

	(void)state;
	assert_non_null(c);
	/* A valid pcap with no packets. */
	write_capture(c, "empty.pcap");
	cfg.path = c->path;
	expect_refused(&cfg, c->path);
	/* A file that is not there. */
	snprintf(missing, sizeof(missing), "%s/does-not-exist.pcap", tmp_dir);
	cfg.path = missing;
	expect_refused(&cfg, missing);
	/* A file that is not a capture. */
	fp = fopen(c->path, "w");
	assert_non_null(fp);
	fputs("this is not a capture file, only text long enough to be read as a header\n", fp);
	fclose(fp);
	cfg.path = c->path;
	expect_refused(&cfg, c->path);
	/* No queues, or more than there can be, even for a good file. */
	free_capture(c);
	c = standard_capture();
	cfg.path = c->path;
	cfg.queues = 0;
	expect_refused(&cfg, NULL);
	cfg.queues = PT_CAPTURE_MAX_QUEUES + 1;
	expect_refused(&cfg, NULL);
	pt_capture_close(open_replay(c, PT_CAPTURE_MAX_QUEUES, 1, 0, 0));
	pt_capture_close(NULL);
	free_capture(c);
}

/* Everything above runs before the EAL is up; the rate needs the TSC frequency, so these tests start it. */
static int eal_setup(void **state)
{
	char prefix[64];
	char *argv[] = { "test", "--no-huge", "-m", "64", "--no-pci", "--no-shconf", "--no-telemetry", "-l", "0",
			 "--log-level", "lib.eal:error", "--file-prefix", prefix, NULL };

	(void)state;
	if (eal_ready)
		return 0;
	snprintf(prefix, sizeof(prefix), "pt-unit-replay-%d", getpid());
	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) < 0)
		return -1;
	eal_ready = true;
	return 0;
}

static void test_without_a_rate_nothing_is_missed(void **state)
{
	struct capture_file *c = standard_capture();
	struct pt_capture *cap = open_replay(c, 1, 5, 0, 4);
	struct pt_capture_queue *q = pt_capture_get_queue(cap, 0);
	struct pt_capture_pkt pkts[PT_CAPTURE_BURST];
	struct pt_capture_stats st;
	uint64_t seen = 0;
	int n;

	(void)state;
	assert_int_equal(pt_capture_rx_burst(q, pkts, PT_CAPTURE_BURST), PT_CAPTURE_BURST);
	seen += PT_CAPTURE_BURST;
	sleep_ms(50);
	/* Far more than ring_size waited, and nothing was lost: a whole burst, the next packets in order. */
	assert_int_equal(pt_capture_rx_burst(q, pkts, PT_CAPTURE_BURST), PT_CAPTURE_BURST);
	for (int i = 0; i < PT_CAPTURE_BURST; i++, seen++)
		check_packet(c, &pkts[i], (unsigned)(seen % c->n), seen / c->n);
	while ((n = pt_capture_rx_burst(q, pkts, PT_CAPTURE_BURST)) != -ENODATA) {
		assert_true(n > 0);
		seen += (uint64_t)n;
		assert_true(seen <= 5 * c->n);
	}
	assert_int_equal(seen, 5 * c->n);
	assert_int_equal(pt_capture_stats(cap, &st), 0);
	assert_int_equal(st.ipackets, 5 * c->n);
	assert_int_equal(st.imissed, 0);
	pt_capture_close(cap);
	free_capture(c);
}

static void test_at_a_rate_a_late_worker_loses_all_but_a_ring(void **state)
{
	const uint64_t rate = 1000;
	const uint32_t ring = 4;
	struct capture_file *c = standard_capture();
	struct pt_capture *cap = open_replay(c, 1, 0, rate, ring);
	struct pt_capture_queue *q = pt_capture_get_queue(cap, 0);
	struct pt_capture_pkt pkts[PT_CAPTURE_BURST];
	struct pt_capture_stats st;
	double t0, t1, t2, t3;
	uint64_t due_min, due_max, next;
	int n;

	(void)state;
	assert_non_null(strstr(pt_capture_describe(cap), "1 queue, looped until stopped, at a fixed rate"));
	/* The first poll starts the clock: nothing is due yet. */
	t0 = now_s();
	n = pt_capture_rx_burst(q, pkts, PT_CAPTURE_BURST);
	t1 = now_s();
	assert_int_equal(n, 0);
	assert_int_equal(pt_capture_stats(cap, &st), 0);
	assert_int_equal(st.imissed, 0);
	sleep_ms(50);
	t2 = now_s();
	n = pt_capture_rx_burst(q, pkts, PT_CAPTURE_BURST);
	t3 = now_s();
	/* About 50 were due; a ring of 4 waited and the rest were lost. */
	due_min = (uint64_t)((t2 - t1) * (double)rate * 0.9);
	due_max = (uint64_t)((t3 - t0) * (double)rate * 1.1) + 2;
	assert_true(due_min > ring);
	assert_int_equal(n, ring);
	assert_int_equal(pt_capture_stats(cap, &st), 0);
	assert_int_equal(st.ipackets, ring);
	if (st.imissed == 0 || st.imissed + st.ipackets < due_min || st.imissed + st.ipackets > due_max)
		fail_msg("imissed %" PRIu64 " + delivered %" PRIu64 " not within [%" PRIu64 ", %" PRIu64 "] due",
			 st.imissed, st.ipackets, due_min, due_max);
	assert_true(st.ipackets <= ring + due_max);
	/* What was lost is skipped in order: the packets delivered are the last ring of those due. */
	next = st.imissed;
	for (int i = 0; i < n; i++, next++)
		check_packet(c, &pkts[i], (unsigned)(next % c->n), next / c->n);
	/* Polled on for a while: never more than a ring at once, every packet due either delivered or lost, in order. */
	while (now_s() - t3 < 0.03) {
		uint64_t missed = st.imissed;

		n = pt_capture_rx_burst(q, pkts, PT_CAPTURE_BURST);
		assert_true(n >= 0 && n <= (int)ring);
		assert_int_equal(pt_capture_stats(cap, &st), 0);
		next += st.imissed - missed;
		for (int k = 0; k < n; k++, next++)
			check_packet(c, &pkts[k], (unsigned)(next % c->n), next / c->n);
		assert_int_equal(st.ipackets + st.imissed, next);
	}
	due_max = (uint64_t)((now_s() - t0) * (double)rate * 1.1) + 2;
	assert_true(next <= due_max);
	assert_true(next > c->n);       /* past the end of the first pass: a looped replay goes on */
	pt_capture_close(cap);
	free_capture(c);
}

static void test_at_a_rate_the_last_pass_ends_with_its_ring_delivered(void **state)
{
	const uint32_t ring = 4;
	struct capture_file *c = standard_capture();
	struct pt_capture *cap = open_replay(c, 1, 1, 1000, ring);
	struct pt_capture_queue *q = pt_capture_get_queue(cap, 0);
	struct pt_capture_pkt pkts[PT_CAPTURE_BURST];
	struct pt_capture_stats st;
	uint64_t got = 0;
	double start = now_s();
	int n;

	(void)state;
	(void)pt_capture_rx_burst(q, pkts, PT_CAPTURE_BURST);
	/* 50 ms at 1000 pps: more than the file's 40 packets are due; only what exists can be lost or waiting. */
	sleep_ms(50);
	while ((n = pt_capture_rx_burst(q, pkts, PT_CAPTURE_BURST)) != -ENODATA) {
		assert_true(n >= 0);
		for (int i = 0; i < n; i++)
			check_packet(c, &pkts[i], (unsigned)(c->n - ring + got + (uint64_t)i), 0);
		got += (uint64_t)n;
		assert_true(got <= ring);
		assert_true(now_s() - start < 5.0);             /* the end comes */
		sleep_ms(1);
	}
	assert_int_equal(got, ring);
	assert_int_equal(pt_capture_stats(cap, &st), 0);
	assert_int_equal(st.ipackets, ring);
	assert_int_equal(st.imissed, c->n - ring);
	pt_capture_close(cap);
	free_capture(c);
}

/* The backlog: what is due and not taken, at most a ring; taken by a burst; none to tell without a rate. */
static void test_at_a_rate_the_backlog_is_what_waits(void **state)
{
	const uint32_t ring = 16;
	struct capture_file *c = standard_capture();
	struct pt_capture *cap = open_replay(c, 1, 0, 1000, ring), *unrated = open_replay(c, 1, 0, 0, ring);
	struct pt_capture_queue *q = pt_capture_get_queue(cap, 0);
	struct pt_capture_pkt pkts[PT_CAPTURE_BURST];
	int backlog, n;
	double t0;

	(void)state;
	assert_int_equal(pt_capture_rx_backlog(pt_capture_get_queue(unrated, 0)), -ENOTSUP);
	assert_int_equal(pt_capture_rx_burst(q, pkts, PT_CAPTURE_BURST), 0);         /* starts the clock */
	sleep_ms(8);
	backlog = pt_capture_rx_backlog(q);
	assert_true(backlog >= 4 && backlog <= (int)ring);                          /* about 8 due */
	sleep_ms(50);
	assert_int_equal(pt_capture_rx_backlog(q), ring);                           /* 50 more: a full ring */
	t0 = now_s();
	n = pt_capture_rx_burst(q, pkts, PT_CAPTURE_BURST);
	assert_int_equal(n, ring);
	backlog = pt_capture_rx_backlog(q);
	/* what came due since: 1 a millisecond at 1000 pps */
	assert_true(backlog >= 0 && backlog <= (int)((now_s() - t0) * 1000 * 1.1) + 2);
	pt_capture_close(unrated);
	pt_capture_close(cap);
	free_capture(c);
}

static int group_setup(void **state)
{
	(void)state;
	return mkdtemp(tmp_dir) != NULL ? 0 : -1;
}

/* Remove what a failed test left behind, then the directory. */
static int group_teardown(void **state)
{
	DIR *dir = opendir(tmp_dir);
	struct dirent *e;
	char path[512];

	(void)state;
	if (eal_ready) {
		/* --no-shconf leaves the EAL's runtime directory empty: remove it too. */
		snprintf(path, sizeof(path), "%s", rte_eal_get_runtime_dir());
		rte_eal_cleanup();
		rmdir(path);
	}
	while (dir != NULL && (e = readdir(dir)) != NULL) {
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
			snprintf(path, sizeof(path), "%s/%s", tmp_dir, e->d_name);
			unlink(path);
		}
	}
	if (dir != NULL)
		closedir(dir);
	return rmdir(tmp_dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_pass_in_file_order_then_end),
		cmocka_unit_test(test_loops_repeat_the_file_shifted_by_its_span),
		cmocka_unit_test(test_single_packet_and_equal_timestamps_still_advance),
		cmocka_unit_test(test_two_queues_keep_flows_whole),
		cmocka_unit_test(test_stats_count_what_was_delivered),
		cmocka_unit_test(test_bad_files_and_settings_are_refused),
		cmocka_unit_test_setup(test_without_a_rate_nothing_is_missed, eal_setup),
		cmocka_unit_test_setup(test_at_a_rate_a_late_worker_loses_all_but_a_ring, eal_setup),
		cmocka_unit_test_setup(test_at_a_rate_the_last_pass_ends_with_its_ring_delivered, eal_setup),
		cmocka_unit_test_setup(test_at_a_rate_the_backlog_is_what_waits, eal_setup),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
