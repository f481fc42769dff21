/* SPDX-License-Identifier: BSD-3-Clause */
/* test_capture_pcap.c - The file sources: pcap (µs, ns, either byte order, in blocks) and pcapng, bursts, end, bad files. */
#include <errno.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <pcap/pcap.h>

#include "pt_capture.h"

#define BASE_SEC 1764786900u

static void frame_of(uint8_t *frame, size_t len, unsigned i)
{
	memset(frame, 0, len);
	frame[12] = 0x08;
	frame[14] = (uint8_t)i;
}

/* Write n frames of 60 bytes with libpcap at the given precision; frame i at BASE_SEC + i s + 1234 ns. */
static void write_pcap(const char *path, int precision, unsigned n, uint32_t wire_extra)
{
	pcap_t *dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535, precision);
	pcap_dumper_t *d = pcap_dump_open(dead, path);
	uint8_t frame[60];

	assert_non_null(d);
	for (unsigned i = 0; i < n; i++) {
		struct pcap_pkthdr h = { .caplen = sizeof(frame), .len = sizeof(frame) + wire_extra };

		h.ts.tv_sec = BASE_SEC + i;
		h.ts.tv_usec = precision == PCAP_TSTAMP_PRECISION_NANO ? 1234 : 1;
		frame_of(frame, sizeof(frame), i);
		pcap_dump((u_char *)d, &h, frame);
	}
	pcap_dump_close(d);
	pcap_close(dead);
}

static void put32(FILE *f, uint32_t v) { fwrite(&v, 4, 1, f); }
static void put16(FILE *f, uint16_t v) { fwrite(&v, 2, 1, f); }

/* A minimal little-endian pcapng: section header, one Ethernet interface with ns resolution, n packets. */
static void write_pcapng(const char *path, unsigned n)
{
	FILE *f = fopen(path, "wb");
	uint8_t frame[60];

	assert_non_null(f);
	put32(f, 0x0A0D0D0A); put32(f, 28); put32(f, 0x1A2B3C4D); put16(f, 1); put16(f, 0);
	put32(f, 0xFFFFFFFF); put32(f, 0xFFFFFFFF); put32(f, 28);
	/* IDB with if_tsresol = 9 (nanoseconds). */
	put32(f, 1); put32(f, 32); put16(f, 1); put16(f, 0); put32(f, 65535);
	put16(f, 9); put16(f, 1); fputc(9, f); fputc(0, f); fputc(0, f); fputc(0, f);
	put16(f, 0); put16(f, 0); put32(f, 32);
	for (unsigned i = 0; i < n; i++) {
		uint64_t ts = (uint64_t)(BASE_SEC + i) * 1000000000ULL + 5;

		frame_of(frame, sizeof(frame), i);
		put32(f, 6); put32(f, 32 + 60); put32(f, 0);
		put32(f, (uint32_t)(ts >> 32)); put32(f, (uint32_t)ts);
		put32(f, 60); put32(f, 60);
		fwrite(frame, 1, sizeof(frame), f);
		put32(f, 32 + 60);
	}
	fclose(f);
}

static unsigned read_all(struct pt_capture *cap, uint64_t *ts_out, uint8_t *first_byte_out, uint32_t *wire_out)
{
	struct pt_capture_queue *q = pt_capture_get_queue(cap, 0);
	struct pt_capture_pkt pkts[PT_CAPTURE_BURST];
	unsigned total = 0;
	int n;

	assert_non_null(q);
	while ((n = pt_capture_rx_burst(q, pkts, PT_CAPTURE_BURST)) != -ENODATA) {
		assert_true(n >= 0 && n <= PT_CAPTURE_BURST);
		for (int i = 0; i < n; i++, total++) {
			ts_out[total] = pkts[i].ts_ns;
			first_byte_out[total] = pkts[i].data[14];
			wire_out[total] = pkts[i].wire_len;
			assert_int_equal(pkts[i].cap_len, 60);
		}
		pt_capture_release(q);
	}
	assert_int_equal(pt_capture_rx_burst(q, pkts, PT_CAPTURE_BURST), -ENODATA);
	return total;
}

static void check_file(const char *path, unsigned n, uint64_t frac_ns, uint32_t wire)
{
	char err[256];
	struct pt_capture *cap = pt_capture_open_pcap_file(path, err, sizeof(err));
	uint64_t ts[100];
	uint8_t first[100];
	uint32_t wires[100];
	struct pt_capture_stats st;

	assert_non_null(cap);
	assert_int_equal(pt_capture_queue_count(cap), 1);
	assert_int_equal(pt_capture_rx_backlog(pt_capture_get_queue(cap, 0)), -ENOTSUP);   /* a file is never behind */
	assert_int_equal(read_all(cap, ts, first, wires), n);
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(ts[i], (uint64_t)(BASE_SEC + i) * 1000000000ULL + frac_ns);
		assert_int_equal(first[i], (uint8_t)i);
		assert_int_equal(wires[i], wire);
	}
	assert_int_equal(pt_capture_stats(cap, &st), 0);
	assert_int_equal(st.ipackets, n);
	assert_int_equal(st.ierrors, 0);
	pt_capture_close(cap);
	unlink(path);
}

static void test_pcap_microseconds(void **state)
{
	(void)state;
	write_pcap("/tmp/pt-test-us.pcap", PCAP_TSTAMP_PRECISION_MICRO, 70, 0);
	check_file("/tmp/pt-test-us.pcap", 70, 1000, 60);
}

static void test_pcap_nanoseconds_and_snaplen(void **state)
{
	(void)state;
	write_pcap("/tmp/pt-test-ns.pcap", PCAP_TSTAMP_PRECISION_NANO, 33, 40);
	check_file("/tmp/pt-test-ns.pcap", 33, 1234, 100);
}

static void test_pcapng(void **state)
{
	(void)state;
	write_pcapng("/tmp/pt-test.pcapng", 40);
	check_file("/tmp/pt-test.pcapng", 40, 5, 60);
}

static void test_truncated_file_ends_cleanly(void **state)
{
	const char *path = "/tmp/pt-test-cut.pcap";
	char err[256];
	struct pt_capture *cap;
	uint64_t ts[100];
	uint8_t first[100];
	uint32_t wires[100];
	struct pt_capture_stats st;

	(void)state;
	write_pcap(path, PCAP_TSTAMP_PRECISION_MICRO, 10, 0);
	assert_int_equal(truncate(path, 24 + 9 * (16 + 60) + 16 + 7), 0);
	cap = pt_capture_open_pcap_file(path, err, sizeof(err));
	assert_non_null(cap);
	assert_int_equal(read_all(cap, ts, first, wires), 9);
	pt_capture_stats(cap, &st);
	assert_int_equal(st.ierrors, 1);
	pt_capture_close(cap);
	unlink(path);
}

static void test_bad_files_are_refused_with_a_reason(void **state)
{
	const char *path = "/tmp/pt-test-bad.pcap";
	char err[256] = "";
	FILE *f;
	pcap_t *dead;
	pcap_dumper_t *d;

	(void)state;
	assert_null(pt_capture_open_pcap_file("/tmp/pt-test-does-not-exist.pcap", err, sizeof(err)));
	assert_non_null(strstr(err, "pt-test-does-not-exist.pcap"));
	f = fopen(path, "w");
	fputs("not a capture at all, just some text that is long enough\n", f);
	fclose(f);
	err[0] = '\0';
	assert_null(pt_capture_open_pcap_file(path, err, sizeof(err)));
	assert_non_null(strstr(err, path));
	/* A link type other than Ethernet. */
	dead = pcap_open_dead(DLT_RAW, 65535);
	d = pcap_dump_open(dead, path);
	pcap_dump_close(d);
	pcap_close(dead);
	err[0] = '\0';
	assert_null(pt_capture_open_pcap_file(path, err, sizeof(err)));
	assert_non_null(strstr(err, "Ethernet"));
	unlink(path);
	pt_capture_close(NULL);
}

/* Write a classic pcap by hand: @p swapped writes it in the other byte order; frame i has (i * 97) % 1500 + 60 bytes. */
static void write_sized_pcap(const char *path, unsigned n, bool swapped, uint32_t bad_caplen_at)
{
	FILE *f = fopen(path, "wb");
	uint8_t frame[1600];
#define PUT32(v) do { uint32_t x_ = (v); if (swapped) x_ = __builtin_bswap32(x_); fwrite(&x_, 4, 1, f); } while (0)
#define PUT16(v) do { uint16_t x_ = (v); if (swapped) x_ = __builtin_bswap16(x_); fwrite(&x_, 2, 1, f); } while (0)

	assert_non_null(f);
	PUT32(0xA1B2C3D4); PUT16(2); PUT16(4); PUT32(0); PUT32(0); PUT32(65535); PUT32(1);
	for (unsigned i = 0; i < n; i++) {
		uint32_t len = (i * 97) % 1500 + 60;

		frame_of(frame, len, i);
		frame[len - 1] = (uint8_t)(i >> 8);
		PUT32(BASE_SEC + i); PUT32(i % 1000000); PUT32(i == bad_caplen_at ? 300000 : len); PUT32(len);
		fwrite(frame, 1, len, f);
	}
#undef PUT32
#undef PUT16
	fclose(f);
}

/*
 * Classic pcap files are read in 1 MB blocks and handed out in place: a file of several blocks, whose records
 * straddle block boundaries, must come out exactly as libpcap reads it, in either byte order.
 */
static void test_blocks_match_libpcap(void **state)
{
	const char *path = "/tmp/pt-test-blocks.pcap";
	const unsigned n = 6000;        /* about 4.5 MB */
	char errbuf[PCAP_ERRBUF_SIZE], err[256];

	(void)state;
	for (int swapped = 0; swapped < 2; swapped++) {
		struct pt_capture *cap;
		struct pt_capture_queue *q;
		struct pt_capture_pkt pkts[PT_CAPTURE_BURST];
		struct pcap_pkthdr *h;
		const u_char *data;
		pcap_t *ref;
		unsigned total = 0;
		int got;

		write_sized_pcap(path, n, swapped, UINT32_MAX);
		ref = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
		assert_non_null(ref);
		cap = pt_capture_open_pcap_file(path, err, sizeof(err));
		assert_non_null(cap);
		q = pt_capture_get_queue(cap, 0);
		while ((got = pt_capture_rx_burst(q, pkts, PT_CAPTURE_BURST)) != -ENODATA) {
			assert_true(got >= 0);
			for (int i = 0; i < got; i++, total++) {
				assert_int_equal(pcap_next_ex(ref, &h, &data), 1);
				assert_int_equal(pkts[i].cap_len, h->caplen);
				assert_int_equal(pkts[i].wire_len, h->len);
				assert_int_equal(pkts[i].ts_ns, (uint64_t)h->ts.tv_sec * 1000000000ULL + (uint64_t)h->ts.tv_usec);
				assert_memory_equal(pkts[i].data, data, h->caplen);
			}
			pt_capture_release(q);
		}
		assert_int_equal(total, n);
		assert_int_equal(pcap_next_ex(ref, &h, &data), PCAP_ERROR_BREAK);
		pcap_close(ref);
		pt_capture_close(cap);
	}
	unlink(path);
}

/*
 * Records up to the largest snapshot length (256 KiB) among small ones: they run over several block ends, so the
 * reader thread's blocks and the carry of a cut record into the next block's headroom must give libpcap's bytes.
 * The comparison waits a little after each burst, while the reader thread keeps reading ahead.
 */
static void test_big_records_match_libpcap(void **state)
{
	const char *path = "/tmp/pt-test-big.pcap";
	static uint8_t frame[262144];
	char errbuf[PCAP_ERRBUF_SIZE], err[256];
	struct pt_capture_pkt pkts[PT_CAPTURE_BURST];
	struct pcap_pkthdr *h;
	const u_char *data;
	unsigned total = 0, n = 0;
	int got;
	FILE *f = fopen(path, "wb");
	uint32_t hdr[6] = {0xA1B2C3D4, 2 | 4u << 16, 0, 0, 262144, 1};

	(void)state;
	assert_non_null(f);
	fwrite(hdr, sizeof(hdr), 1, f);
	for (unsigned i = 0; i < 400; i++, n++) {
		uint32_t len = i % 5 == 0 ? 262144 - (i * 7919) % 100000 : 60 + (i * 131) % 1400;
		uint32_t rec[4] = {BASE_SEC + i, i, len, len + (i % 3)};

		for (uint32_t b = 0; b < len; b++)
			frame[b] = (uint8_t)(b * 31 + i);
		fwrite(rec, sizeof(rec), 1, f);
		fwrite(frame, 1, len, f);
	}
	fclose(f);

	pcap_t *ref = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	assert_non_null(ref);
	struct pt_capture *cap = pt_capture_open_pcap_file(path, err, sizeof(err));
	assert_non_null(cap);
	struct pt_capture_queue *q = pt_capture_get_queue(cap, 0);
	while ((got = pt_capture_rx_burst(q, pkts, 7)) != -ENODATA) {
		assert_true(got >= 0);
		usleep(200);
		for (int i = 0; i < got; i++, total++) {
			assert_int_equal(pcap_next_ex(ref, &h, &data), 1);
			assert_int_equal(pkts[i].cap_len, h->caplen);
			assert_int_equal(pkts[i].wire_len, h->len);
			assert_memory_equal(pkts[i].data, data, h->caplen);
		}
		pt_capture_release(q);
	}
	assert_int_equal(total, n);
	assert_int_equal(pcap_next_ex(ref, &h, &data), PCAP_ERROR_BREAK);
	pcap_close(ref);
	pt_capture_close(cap);

	/* Closed before the end: the reader thread, waiting for a free block, stops too. */
	cap = pt_capture_open_pcap_file(path, err, sizeof(err));
	assert_non_null(cap);
	assert_true(pt_capture_rx_burst(pt_capture_get_queue(cap, 0), pkts, 1) == 1);
	usleep(20000);
	pt_capture_close(cap);
	unlink(path);
}

/* A record whose captured length is beyond any snapshot length ends the file there, counted, as libpcap does. */
static void test_oversized_record_stops(void **state)
{
	const char *path = "/tmp/pt-test-oversized.pcap";
	char err[256];
	struct pt_capture *cap;
	struct pt_capture_pkt pkts[PT_CAPTURE_BURST];
	struct pt_capture_stats st;
	unsigned total = 0;
	int got;

	(void)state;
	write_sized_pcap(path, 100, false, 70);
	cap = pt_capture_open_pcap_file(path, err, sizeof(err));
	assert_non_null(cap);
	while ((got = pt_capture_rx_burst(pt_capture_get_queue(cap, 0), pkts, PT_CAPTURE_BURST)) != -ENODATA)
		total += (unsigned)got;
	assert_int_equal(total, 70);
	pt_capture_stats(cap, &st);
	assert_int_equal(st.ipackets, 70);
	assert_int_equal(st.ierrors, 1);
	pt_capture_close(cap);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pcap_microseconds),
		cmocka_unit_test(test_pcap_nanoseconds_and_snaplen),
		cmocka_unit_test(test_pcapng),
		cmocka_unit_test(test_truncated_file_ends_cleanly),
		cmocka_unit_test(test_blocks_match_libpcap),
		cmocka_unit_test(test_big_records_match_libpcap),
		cmocka_unit_test(test_oversized_record_stops),
		cmocka_unit_test(test_bad_files_are_refused_with_a_reason),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
