/* SPDX-License-Identifier: BSD-3-Clause */
/* test_spool.c - Unit tests for lib/alert's spool: round trips, recovery after a crash, torn and corrupt files, the full policy. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "pt_alert.h"

/* On disk each record is a header (magic, len, crc, severity and padding, seq) and the JSON. */
#define RECORD_HEADER 24
/* The JSON of the alerts these tests append is this long, so that every record is 100 bytes. */
#define ALERT_LEN 76
#define RECORD_BYTES (RECORD_HEADER + ALERT_LEN)
#define NO_CAP (64ULL << 20)

/* Each test gets its own directory (mkdtemp); the spool is created in it. */
struct spool_fixture {
	char dir[64];
	struct pt_alert_spool *sp;
};

static int setup(void **state)
{
	struct spool_fixture *fx = calloc(1, sizeof(*fx));

	if (fx == NULL)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/pt-spool-XXXXXX");
	if (mkdtemp(fx->dir) == NULL) {
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

static void remove_in(const char *dir, const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
}

static int teardown(void **state)
{
	struct spool_fixture *fx = *state;

	pt_alert_spool_close(fx->sp);
	remove_in(fx->dir, "spool.log");
	remove_in(fx->dir, "spool.ack");
	remove_in(fx->dir, "spool.log.new");
	rmdir(fx->dir);
	free(fx);
	return 0;
}

/* (Re)open the fixture's spool, closing any open one first: a close without ack is a crash for the spool. */
static struct pt_alert_spool *reopen(struct spool_fixture *fx, uint64_t max_bytes)
{
	char err[256] = "";

	pt_alert_spool_close(fx->sp);
	fx->sp = pt_alert_spool_open(fx->dir, max_bytes, err, sizeof(err));
	if (fx->sp == NULL)
		fail_msg("pt_alert_spool_open: %s", err);
	return fx->sp;
}

/* An alert body of exactly ALERT_LEN bytes that names its number. */
static const char *alert_json(unsigned n, char buf[ALERT_LEN + 1])
{
	int len = snprintf(buf, ALERT_LEN + 1, "{\"n\":%06u,\"pad\":\"", n);

	memset(buf + len, 'x', ALERT_LEN - len - 2);
	memcpy(buf + ALERT_LEN - 2, "\"}", 3);
	return buf;
}

static uint64_t append(struct pt_alert_spool *sp, unsigned n, uint8_t severity)
{
	char json[ALERT_LEN + 1];
	uint64_t seq = 0;

	assert_int_equal(pt_alert_spool_append(sp, alert_json(n, json), ALERT_LEN, severity, &seq), 0);
	return seq;
}

/* The number of the index-th pending alert (as alert_json() wrote it), checking its length. */
static unsigned pending_number(struct pt_alert_spool *sp, uint32_t index)
{
	char buf[ALERT_LEN + 1];
	unsigned n;

	assert_int_equal(pt_alert_spool_read(sp, index, buf, sizeof(buf), NULL, NULL), ALERT_LEN);
	assert_int_equal(sscanf(buf, "{\"n\":%u,", &n), 1);
	return n;
}

/* Check that the pending alerts are exactly @p want (their numbers), oldest first. */
static void assert_pending(struct pt_alert_spool *sp, const unsigned *want, uint32_t n)
{
	assert_int_equal(pt_alert_spool_pending(sp), n);
	for (uint32_t i = 0; i < n; i++)
		assert_int_equal(pending_number(sp, i), want[i]);
}

static struct pt_alert_spool_stats stats(const struct pt_alert_spool *sp)
{
	struct pt_alert_spool_stats st;

	pt_alert_spool_stats(sp, &st);
	return st;
}

static off_t file_size(const struct spool_fixture *fx, const char *name)
{
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", fx->dir, name);
	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

static void file_truncate(const struct spool_fixture *fx, const char *name, off_t size)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", fx->dir, name);
	assert_int_equal(truncate(path, size), 0);
}

/* Write @p len bytes at @p offset of a spool file; offset -1 appends. */
static void file_write(const struct spool_fixture *fx, const char *name, off_t offset, const void *data, size_t len)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", fx->dir, name);
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	if (offset < 0)
		offset = lseek(fd, 0, SEEK_END);
	assert_int_equal(pwrite(fd, data, len, offset), (ssize_t)len);
	close(fd);
}

static void file_read(const struct spool_fixture *fx, const char *name, void *data, size_t len)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", fx->dir, name);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, data, len, 0), (ssize_t)len);
	close(fd);
}

static void test_spool_append_sync_read_ack(void **state)
{
	struct spool_fixture *fx = *state;
	struct pt_alert_spool *sp = reopen(fx, NO_CAP);
	const uint8_t severity[3] = { 10, 50, 90 };
	uint64_t seq[3], got_seq;
	uint8_t got_sev;
	char buf[ALERT_LEN + 1], want[ALERT_LEN + 1];

	assert_int_equal(pt_alert_spool_pending(sp), 0);
	for (unsigned i = 0; i < 3; i++)
		seq[i] = append(sp, i, severity[i]);
	assert_true(seq[0] >= 1);
	assert_true(seq[1] > seq[0] && seq[2] > seq[1]);
	assert_int_equal(pt_alert_spool_sync(sp), 0);
	assert_int_equal(stats(sp).appended, 3);
	assert_int_equal(stats(sp).pending, 3);
	assert_int_equal(stats(sp).pending_bytes, 3 * RECORD_BYTES);
	for (uint32_t i = 0; i < 3; i++) {
		assert_int_equal(pt_alert_spool_read(sp, i, buf, sizeof(buf), &got_seq, &got_sev), ALERT_LEN);
		assert_string_equal(buf, alert_json(i, want));
		assert_int_equal(got_seq, seq[i]);
		assert_int_equal(got_sev, severity[i]);
	}
	assert_int_equal(pt_alert_spool_read(sp, 3, buf, sizeof(buf), NULL, NULL), -EINVAL);

	assert_int_equal(pt_alert_spool_ack(sp, seq[1]), 0);
	assert_pending(sp, (unsigned[]){ 2 }, 1);
	assert_int_equal(stats(sp).acked, 2);
	assert_int_equal(stats(sp).pending_bytes, RECORD_BYTES);
	assert_int_equal(pt_alert_spool_ack(sp, seq[1]), 0);          /* again: nothing more to forget */
	assert_int_equal(pt_alert_spool_pending(sp), 1);
}

static void test_spool_append_refuses_bad_arguments(void **state)
{
	struct spool_fixture *fx = *state;
	struct pt_alert_spool *sp = reopen(fx, NO_CAP);
	uint64_t seq;

	assert_int_equal(pt_alert_spool_append(sp, "{}", 0, 10, &seq), -EINVAL);
	assert_int_equal(pt_alert_spool_append(sp, NULL, 2, 10, &seq), -EINVAL);
	assert_int_equal(pt_alert_spool_append(NULL, "{}", 2, 10, &seq), -EINVAL);
	assert_int_equal(pt_alert_spool_append(sp, "{}", PT_ALERT_JSON_MAX + 1, 10, &seq), -EINVAL);
	assert_int_equal(pt_alert_spool_pending(sp), 0);
}

static void test_spool_read_into_small_buffer(void **state)
{
	struct spool_fixture *fx = *state;
	struct pt_alert_spool *sp = reopen(fx, NO_CAP);
	char buf[ALERT_LEN + 1];

	append(sp, 7, 10);
	assert_int_equal(pt_alert_spool_read(sp, 0, buf, ALERT_LEN, NULL, NULL), -ENOSPC);    /* no room for the NUL */
	assert_int_equal(pt_alert_spool_read(sp, 0, buf, 1, NULL, NULL), -ENOSPC);
	assert_int_equal(pt_alert_spool_read(sp, 0, buf, ALERT_LEN + 1, NULL, NULL), ALERT_LEN);
	assert_int_equal(pt_alert_spool_pending(sp), 1);
}

static void test_spool_sequences_continue_after_reopen(void **state)
{
	struct spool_fixture *fx = *state;
	uint64_t a, b, c;

	a = append(reopen(fx, NO_CAP), 0, 10);
	b = append(fx->sp, 1, 10);
	c = append(reopen(fx, NO_CAP), 2, 10);
	assert_true(b > a);
	assert_true(c > b);
	assert_int_equal(pt_alert_spool_ack(fx->sp, b), 0);
	assert_true(append(reopen(fx, NO_CAP), 3, 10) > c);
}

static void test_spool_reopen_recovers_pending_in_order(void **state)
{
	struct spool_fixture *fx = *state;
	uint64_t seq[5], got_seq;
	uint8_t got_sev;
	char buf[ALERT_LEN + 1];

	reopen(fx, NO_CAP);
	for (unsigned i = 0; i < 5; i++)
		seq[i] = append(fx->sp, i, (uint8_t)(10 + i));
	assert_int_equal(pt_alert_spool_sync(fx->sp), 0);
	assert_int_equal(pt_alert_spool_ack(fx->sp, seq[1]), 0);
	reopen(fx, NO_CAP);                       /* crash: closed with three alerts not acknowledged */
	assert_int_equal(stats(fx->sp).recovered, 3);
	assert_int_equal(stats(fx->sp).truncated_bytes, 0);
	assert_int_equal(stats(fx->sp).pending_bytes, 3 * RECORD_BYTES);
	assert_pending(fx->sp, (unsigned[]){ 2, 3, 4 }, 3);
	for (uint32_t i = 0; i < 3; i++) {
		assert_int_equal(pt_alert_spool_read(fx->sp, i, buf, sizeof(buf), &got_seq, &got_sev), ALERT_LEN);
		assert_int_equal(got_seq, seq[i + 2]);
		assert_int_equal(got_sev, 12 + i);
	}
	assert_true(append(fx->sp, 5, 10) > seq[4]);
	/* What was acknowledged stays forgotten, whatever else happens. */
	assert_int_equal(pt_alert_spool_ack(fx->sp, seq[3]), 0);
	reopen(fx, NO_CAP);
	assert_int_equal(stats(fx->sp).recovered, 2);
	assert_pending(fx->sp, (unsigned[]){ 4, 5 }, 2);
}

static void test_spool_torn_tail_is_cut(void **state)
{
	struct spool_fixture *fx = *state;
	uint64_t second;

	reopen(fx, NO_CAP);
	append(fx->sp, 0, 10);
	second = append(fx->sp, 1, 10);
	append(fx->sp, 2, 10);
	pt_alert_spool_close(fx->sp);
	fx->sp = NULL;
	file_truncate(fx, "spool.log", 3 * RECORD_BYTES - 10);       /* the third record lost its last 10 bytes */
	reopen(fx, NO_CAP);
	assert_int_equal(stats(fx->sp).truncated_bytes, RECORD_BYTES - 10);
	assert_int_equal(file_size(fx, "spool.log"), 2 * RECORD_BYTES);
	assert_pending(fx->sp, (unsigned[]){ 0, 1 }, 2);
	/* An append after the cut follows a whole record, so it survives the next recovery. */
	assert_true(append(fx->sp, 3, 10) > second);
	reopen(fx, NO_CAP);
	assert_int_equal(stats(fx->sp).truncated_bytes, 0);
	assert_pending(fx->sp, (unsigned[]){ 0, 1, 3 }, 3);
}

static void test_spool_garbage_tail_is_cut(void **state)
{
	struct spool_fixture *fx = *state;
	char garbage[40];

	memset(garbage, 0xa5, sizeof(garbage));
	reopen(fx, NO_CAP);
	append(fx->sp, 0, 10);
	append(fx->sp, 1, 10);
	pt_alert_spool_close(fx->sp);
	fx->sp = NULL;
	file_write(fx, "spool.log", -1, garbage, 7);                 /* shorter than a header */
	reopen(fx, NO_CAP);
	assert_int_equal(stats(fx->sp).truncated_bytes, 7);
	assert_pending(fx->sp, (unsigned[]){ 0, 1 }, 2);
	pt_alert_spool_close(fx->sp);
	fx->sp = NULL;
	file_write(fx, "spool.log", -1, garbage, sizeof(garbage));   /* longer than a header, no magic */
	reopen(fx, NO_CAP);
	assert_int_equal(stats(fx->sp).truncated_bytes, sizeof(garbage));
	assert_int_equal(file_size(fx, "spool.log"), 2 * RECORD_BYTES);
	assert_pending(fx->sp, (unsigned[]){ 0, 1 }, 2);
}

static void test_spool_corrupt_record_cuts_from_it_on(void **state)
{
	struct spool_fixture *fx = *state;
	char log[4 * RECORD_BYTES], byte;

	reopen(fx, NO_CAP);
	for (unsigned i = 0; i < 4; i++)
		append(fx->sp, i, 10);
	pt_alert_spool_close(fx->sp);
	fx->sp = NULL;
	/* One flipped bit inside the second record's JSON: its CRC no longer matches. */
	file_read(fx, "spool.log", log, sizeof(log));
	byte = log[RECORD_BYTES + RECORD_HEADER + 20] ^ 0x01;
	file_write(fx, "spool.log", RECORD_BYTES + RECORD_HEADER + 20, &byte, 1);
	reopen(fx, NO_CAP);
	assert_int_equal(stats(fx->sp).truncated_bytes, 3 * RECORD_BYTES);
	assert_int_equal(file_size(fx, "spool.log"), RECORD_BYTES);
	assert_pending(fx->sp, (unsigned[]){ 0 }, 1);
}

/* Damage one of spool.ack's two 16-byte slots (sequence, CRC, magic) and reopen. */
static void reopen_with_ack_slot_damaged(struct spool_fixture *fx, const uint8_t good[32], int slot, bool torn)
{
	uint8_t ack[32];

	pt_alert_spool_close(fx->sp);
	fx->sp = NULL;
	memcpy(ack, good, sizeof(ack));
	if (torn && slot == 1) {
		file_write(fx, "spool.ack", 0, ack, 32);
		file_truncate(fx, "spool.ack", 16 + 5);                  /* the write of slot 1 stopped after 5 bytes */
	} else {
		if (torn)
			memset(ack + slot * 16 + 5, 0, 11);              /* only the first 5 bytes reached the disk */
		else
			ack[slot * 16] ^= 0x40;                          /* the sequence no longer matches its CRC */
		file_write(fx, "spool.ack", 0, ack, 32);
	}
	reopen(fx, NO_CAP);
}

static void test_spool_damaged_ack_slot_falls_back_to_the_other(void **state)
{
	struct spool_fixture *fx = *state;
	uint64_t seq[6];
	uint8_t good[32];

	reopen(fx, NO_CAP);
	for (unsigned i = 0; i < 6; i++)
		seq[i] = append(fx->sp, i, 10);
	assert_int_equal(pt_alert_spool_ack(fx->sp, seq[1]), 0);
	assert_int_equal(pt_alert_spool_ack(fx->sp, seq[3]), 0);
	pt_alert_spool_close(fx->sp);
	fx->sp = NULL;
	assert_int_equal(file_size(fx, "spool.ack"), 32);
	file_read(fx, "spool.ack", good, sizeof(good));
	/* One slot holds each acknowledgement. */
	assert_true((memcmp(good, &seq[1], 8) == 0 && memcmp(good + 16, &seq[3], 8) == 0) ||
		    (memcmp(good, &seq[3], 8) == 0 && memcmp(good + 16, &seq[1], 8) == 0));

	reopen(fx, NO_CAP);                                              /* both slots intact: the newer one wins */
	assert_pending(fx->sp, (unsigned[]){ 4, 5 }, 2);
	for (int slot = 0; slot < 2; slot++) {
		for (int torn = 0; torn < 2; torn++) {
			/* Whichever slot is damaged, the other one's acknowledgement holds. */
			reopen_with_ack_slot_damaged(fx, good, slot, torn);
			if (memcmp(good + slot * 16, &seq[3], 8) == 0)
				assert_pending(fx->sp, (unsigned[]){ 2, 3, 4, 5 }, 4);
			else
				assert_pending(fx->sp, (unsigned[]){ 4, 5 }, 2);
		}
	}
}

/*
 * The slots alternate so that a torn acknowledgement leaves the previous one valid; that must hold for the first
 * acknowledgement after a reopen too, not only within one run.
 */
static void test_spool_torn_ack_after_reopen_keeps_previous_ack(void **state)
{
	struct spool_fixture *fx = *state;
	uint64_t seq[6];
	uint8_t ack[32];

	reopen(fx, NO_CAP);
	for (unsigned i = 0; i < 6; i++)
		seq[i] = append(fx->sp, i, 10);
	assert_int_equal(pt_alert_spool_ack(fx->sp, seq[1]), 0);     /* first run: one acknowledgement */
	reopen(fx, NO_CAP);
	assert_int_equal(pt_alert_spool_ack(fx->sp, seq[3]), 0);     /* second run: the next one... */
	pt_alert_spool_close(fx->sp);
	fx->sp = NULL;
	/* ...was torn: damage the slot that holds it. */
	memset(ack, 0, sizeof(ack));
	file_read(fx, "spool.ack", ack, (size_t)file_size(fx, "spool.ack"));
	for (int slot = 0; slot < 2; slot++)
		if (memcmp(ack + slot * 16, &seq[3], 8) == 0)
			ack[slot * 16] ^= 0x40;
	file_write(fx, "spool.ack", 0, ack, (size_t)file_size(fx, "spool.ack"));
	reopen(fx, NO_CAP);
	/* The first run's acknowledgement (seq[1]) must still be there: alerts 0 and 1 are not delivered again. */
	assert_pending(fx->sp, (unsigned[]){ 2, 3, 4, 5 }, 4);
}

static void test_spool_ack_of_everything_empties_the_log(void **state)
{
	struct spool_fixture *fx = *state;
	uint64_t last = 0, next;

	reopen(fx, NO_CAP);
	for (unsigned i = 0; i < 3; i++)
		last = append(fx->sp, i, 10);
	assert_int_equal(pt_alert_spool_ack(fx->sp, last), 0);
	assert_int_equal(pt_alert_spool_pending(fx->sp), 0);
	assert_int_equal(stats(fx->sp).pending_bytes, 0);
	assert_int_equal(file_size(fx, "spool.log"), 0);
	next = append(fx->sp, 3, 10);
	assert_true(next > last);
	assert_int_equal(file_size(fx, "spool.log"), RECORD_BYTES);
	/* Across a reopen: the acknowledgement carries the sequence even when the log is empty. */
	assert_int_equal(pt_alert_spool_ack(fx->sp, next), 0);
	assert_int_equal(file_size(fx, "spool.log"), 0);
	reopen(fx, NO_CAP);
	assert_int_equal(pt_alert_spool_pending(fx->sp), 0);
	assert_int_equal(stats(fx->sp).recovered, 0);
	last = next;
	next = append(fx->sp, 4, 10);
	assert_true(next > last);
	reopen(fx, NO_CAP);
	assert_pending(fx->sp, (unsigned[]){ 4 }, 1);
	assert_true(append(fx->sp, 5, 10) > next);
}

/* Start over: close the spool and remove its files. */
static void reset(struct spool_fixture *fx)
{
	pt_alert_spool_close(fx->sp);
	fx->sp = NULL;
	remove_in(fx->dir, "spool.log");
	remove_in(fx->dir, "spool.ack");
	remove_in(fx->dir, "spool.log.new");
}

/* A new spool of ten 100-byte records with these severities (alerts numbered 1..10). @return the last seq. */
static uint64_t fill(struct spool_fixture *fx, const uint8_t severity[10])
{
	uint64_t seq = 0;

	reset(fx);
	reopen(fx, 10 * RECORD_BYTES);
	for (unsigned i = 0; i < 10; i++)
		seq = append(fx->sp, i + 1, severity[i]);
	assert_int_equal(stats(fx->sp).pending_bytes, 10 * RECORD_BYTES);
	return seq;
}

/* Full: lower-severity alerts go until the spool is at 3/4 of its cap, the newest of a severity first. */
static void test_spool_full_drops_newest_of_lowest_severity(void **state)
{
	struct spool_fixture *fx = *state;

	fill(fx, (uint8_t[]){ 10, 10, 10, 10, 10, 10, 50, 50, 50, 50 });
	append(fx->sp, 11, 50);
	/* 6 records + the new one = 700 bytes <= 750: the four newest of severity 10 went, the start stays. */
	assert_pending(fx->sp, (unsigned[]){ 1, 2, 7, 8, 9, 10, 11 }, 7);
	assert_int_equal(stats(fx->sp).dropped, 4);
	assert_int_equal(stats(fx->sp).dropped_since_report, 4);
	assert_true(stats(fx->sp).rewrites >= 1);
	assert_int_equal(pt_alert_spool_take_dropped(fx->sp), 4);
	assert_int_equal(pt_alert_spool_take_dropped(fx->sp), 0);
	assert_int_equal(stats(fx->sp).dropped, 4);
	/* The drops are durable: a crash now recovers what was kept, not what was dropped. */
	reopen(fx, 10 * RECORD_BYTES);
	assert_int_equal(stats(fx->sp).truncated_bytes, 0);
	assert_pending(fx->sp, (unsigned[]){ 1, 2, 7, 8, 9, 10, 11 }, 7);
}

static void test_spool_full_drops_lowest_severity_first(void **state)
{
	struct spool_fixture *fx = *state;

	fill(fx, (uint8_t[]){ 30, 10, 30, 10, 10, 30, 30, 30, 30, 30 });
	append(fx->sp, 11, 50);
	/* Every severity 10 goes first (5, 4, 2), then the newest severity 30 (10) reaches the 3/4 goal. */
	assert_pending(fx->sp, (unsigned[]){ 1, 3, 6, 7, 8, 9, 11 }, 7);
	assert_int_equal(pt_alert_spool_take_dropped(fx->sp), 4);
}

/* Try to append alert @p n (ALERT_LEN bytes), expecting @p rc. */
static void append_expect(struct pt_alert_spool *sp, unsigned n, uint8_t severity, int rc)
{
	char json[ALERT_LEN + 1];
	uint64_t seq = 0;

	assert_int_equal(pt_alert_spool_append(sp, alert_json(n, json), ALERT_LEN, severity, &seq), rc);
}

static uint64_t pending_seq(struct pt_alert_spool *sp, uint32_t index)
{
	char buf[ALERT_LEN + 1];
	uint64_t seq = 0;

	assert_int_equal(pt_alert_spool_read(sp, index, buf, sizeof(buf), &seq, NULL), ALERT_LEN);
	return seq;
}

static void test_spool_full_new_alert_least_important_is_refused(void **state)
{
	struct spool_fixture *fx = *state;
	const unsigned all[10] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	uint64_t last;

	/* Of equal severity the new alert is the newest, so it is the one dropped; nothing else goes. */
	last = fill(fx, (uint8_t[]){ 50, 50, 50, 50, 50, 50, 50, 50, 50, 50 });
	append_expect(fx->sp, 11, 50, -ENOSPC);
	append_expect(fx->sp, 12, 5, -ENOSPC);
	assert_pending(fx->sp, all, 10);
	assert_int_equal(stats(fx->sp).dropped, 2);
	assert_int_equal(stats(fx->sp).rewrites, 0);
	assert_int_equal(pt_alert_spool_take_dropped(fx->sp), 2);
	/* The sequence did not move: the next accepted alert follows the last one written. */
	assert_int_equal(pt_alert_spool_ack(fx->sp, last), 0);
	assert_int_equal(append(fx->sp, 13, 10), last + 1);
}

/* When dropping every lower alert would still not make room, they go with the new one: none ranks below it. */
static void test_spool_full_unfitting_alert_takes_lower_ones_with_it(void **state)
{
	struct spool_fixture *fx = *state;
	char big[3 * RECORD_BYTES];

	fill(fx, (uint8_t[]){ 50, 50, 50, 50, 50, 50, 50, 50, 10, 50 });
	memset(big, ' ', sizeof(big));
	memcpy(big, "{}", 2);
	/* 300 bytes of severity 30: only alert 9 (severity 10, 100 bytes) ranks below it. */
	assert_int_equal(pt_alert_spool_append(fx->sp, big, sizeof(big) - RECORD_HEADER, 30, NULL), -ENOSPC);
	assert_pending(fx->sp, (unsigned[]){ 1, 2, 3, 4, 5, 6, 7, 8, 10 }, 9);
	assert_int_equal(stats(fx->sp).dropped, 2);
	assert_int_equal(pt_alert_spool_take_dropped(fx->sp), 2);
	reopen(fx, 10 * RECORD_BYTES);
	assert_pending(fx->sp, (unsigned[]){ 1, 2, 3, 4, 5, 6, 7, 8, 10 }, 9);
}

/* Once severity S was dropped, alerts of severity S or less are refused until acks bring the spool to half its cap. */
static void test_spool_after_a_drop_lower_alerts_wait_for_half_cap(void **state)
{
	struct spool_fixture *fx = *state;

	fill(fx, (uint8_t[]){ 10, 10, 10, 10, 10, 10, 50, 50, 50, 50 });
	append(fx->sp, 11, 50);                           /* drops alerts 6, 5, 4, 3 (severity 10) */
	assert_int_equal(pt_alert_spool_take_dropped(fx->sp), 4);
	/* 700 of 1000 bytes: there is room, but severity 10 ranks at or below what was dropped. */
	append_expect(fx->sp, 12, 10, -ENOSPC);
	append_expect(fx->sp, 13, 0, -ENOSPC);
	assert_int_equal(pt_alert_spool_take_dropped(fx->sp), 2);
	append(fx->sp, 14, 11);                           /* above it: taken */
	assert_pending(fx->sp, (unsigned[]){ 1, 2, 7, 8, 9, 10, 11, 14 }, 8);
	/* Acknowledged down to 700 bytes: still above half. */
	assert_int_equal(pt_alert_spool_ack(fx->sp, pending_seq(fx->sp, 0)), 0);
	append_expect(fx->sp, 15, 10, -ENOSPC);
	/* Down to 500 bytes, half the cap: every severity is taken again. */
	assert_int_equal(pt_alert_spool_ack(fx->sp, pending_seq(fx->sp, 1)), 0);
	assert_int_equal(stats(fx->sp).pending_bytes, 5 * RECORD_BYTES);
	append(fx->sp, 16, 10);
	assert_pending(fx->sp, (unsigned[]){ 8, 9, 10, 11, 14, 16 }, 6);
}

/*
 * An alert bigger than the whole cap (possible: alerts.spool_max_kb may be 64, PT_ALERT_JSON_MAX is 64 KiB) is
 * refused. It must not stop the spool from taking alerts for good: the spool is empty, so no acknowledgement
 * will ever come to clear what its refusal set.
 */
static void test_spool_oversized_alert_does_not_wedge_the_spool(void **state)
{
	struct spool_fixture *fx = *state;
	static char big[10 * RECORD_BYTES];

	reopen(fx, 10 * RECORD_BYTES);
	memset(big, ' ', sizeof(big));
	memcpy(big, "{}", 2);
	assert_int_equal(pt_alert_spool_append(fx->sp, big, sizeof(big), 100, NULL), -ENOSPC);
	assert_int_equal(pt_alert_spool_take_dropped(fx->sp), 1);
	assert_int_equal(pt_alert_spool_pending(fx->sp), 0);
	assert_int_equal(pt_alert_spool_ack(fx->sp, UINT64_MAX), 0);       /* nothing to acknowledge */
	append_expect(fx->sp, 1, 50, 0);
	assert_pending(fx->sp, (unsigned[]){ 1 }, 1);
}

static void test_spool_open_failures_give_one_line_reason(void **state)
{
	struct spool_fixture *fx = *state;
	char err[256], path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/missing/spool", fx->dir);       /* the parent does not exist */
	err[0] = '\0';
	assert_null(pt_alert_spool_open(path, NO_CAP, err, sizeof(err)));
	assert_true(strlen(err) > 0);
	assert_null(strchr(err, '\n'));
	assert_non_null(strstr(err, path));

	snprintf(path, sizeof(path), "%s/spool.log", fx->dir);           /* the parent is a regular file */
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/spool.log/spool", fx->dir);
	err[0] = '\0';
	assert_null(pt_alert_spool_open(path, NO_CAP, err, sizeof(err)));
	assert_true(strlen(err) > 0);
	assert_null(strchr(err, '\n'));

	err[0] = '\0';
	assert_null(pt_alert_spool_open("", NO_CAP, err, sizeof(err)));
	assert_true(strlen(err) > 0);

	if (geteuid() != 0) {                                             /* root writes anywhere */
		snprintf(path, sizeof(path), "%s/ro", fx->dir);
		assert_int_equal(mkdir(path, 0500), 0);
		snprintf(path, sizeof(path), "%s/ro/spool", fx->dir);
		err[0] = '\0';
		assert_null(pt_alert_spool_open(path, NO_CAP, err, sizeof(err)));
		assert_true(strlen(err) > 0);
		assert_null(strchr(err, '\n'));
		snprintf(path, sizeof(path), "%s/ro", fx->dir);
		rmdir(path);
	}
}

/* One process per spool directory: a second open is refused while the first holds it. */
static void test_spool_second_open_of_a_directory_is_refused(void **state)
{
	struct spool_fixture *fx = *state;
	struct pt_alert_spool *other;
	char err[256] = "";

	reopen(fx, NO_CAP);
	append(fx->sp, 0, 10);
	other = pt_alert_spool_open(fx->dir, NO_CAP, err, sizeof(err));
	pt_alert_spool_close(other);
	assert_null(other);
	assert_true(strlen(err) > 0);
	assert_null(strchr(err, '\n'));
	assert_int_equal(pt_alert_spool_pending(fx->sp), 1);             /* the first is untouched */
	reopen(fx, NO_CAP);                                               /* closed, then open again: fine */
	assert_pending(fx->sp, (unsigned[]){ 0 }, 1);
}

/* Acknowledging most alerts while new ones arrive must not let spool.log grow without bound. */
static void test_spool_partial_acks_keep_the_log_bounded(void **state)
{
	struct spool_fixture *fx = *state;
	uint64_t seq = 0;
	unsigned n = 0;

	reopen(fx, NO_CAP);
	for (int round = 0; round < 300; round++) {
		for (int i = 0; i < 100; i++)
			seq = append(fx->sp, n++, 10);
		/* Everything but the newest alert was delivered. */
		assert_int_equal(pt_alert_spool_ack(fx->sp, seq - 1), 0);
		assert_int_equal(pt_alert_spool_pending(fx->sp), 1);
		assert_true((uint64_t)file_size(fx, "spool.log") <= 2 * stats(fx->sp).pending_bytes + (1u << 20));
	}
	assert_true(stats(fx->sp).rewrites >= 1);
	assert_true(file_size(fx, "spool.log") < 300 * 100 * RECORD_BYTES / 2);
	assert_pending(fx->sp, (unsigned[]){ n - 1 }, 1);
	reopen(fx, NO_CAP);
	assert_int_equal(stats(fx->sp).recovered, 1);
	assert_pending(fx->sp, (unsigned[]){ n - 1 }, 1);
	assert_true(append(fx->sp, n, 10) > seq);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_spool_append_sync_read_ack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spool_append_refuses_bad_arguments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spool_read_into_small_buffer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spool_sequences_continue_after_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spool_reopen_recovers_pending_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spool_torn_tail_is_cut, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spool_garbage_tail_is_cut, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spool_corrupt_record_cuts_from_it_on, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spool_damaged_ack_slot_falls_back_to_the_other, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spool_torn_ack_after_reopen_keeps_previous_ack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spool_ack_of_everything_empties_the_log, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spool_full_drops_newest_of_lowest_severity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spool_full_drops_lowest_severity_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spool_full_new_alert_least_important_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spool_full_unfitting_alert_takes_lower_ones_with_it, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spool_after_a_drop_lower_alerts_wait_for_half_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spool_oversized_alert_does_not_wedge_the_spool, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spool_open_failures_give_one_line_reason, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spool_second_open_of_a_directory_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spool_partial_acks_keep_the_log_bounded, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
