/* SPDX-License-Identifier: BSD-3-Clause */
/* test_workload_table.c - Unit tests for lib/identity's workload map: keys, longest prefix, publishing, grace periods, resyncs. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "pt_identity.h"
#include "pt_util.h"

static char err[256];

static const char *id_json(const char *pod)
{
	static char json[256];

	snprintf(json, sizeof(json), "{\"kind\":\"pod\",\"namespace\":\"ns\",\"pod\":\"%s\",\"labels\":{\"app\":\"%s\"}}", pod, pod);
	return json;
}

static int set(struct pt_workloads *ws, const char *field, bool net, const char *pod)
{
	const char *json = id_json(pod);

	err[0] = '\0';
	return pt_workloads_set(ws, field, net, json, strlen(json), err, sizeof(err));
}

static void text_addr(const char *text, uint8_t *version, uint8_t addr[16])
{
	memset(addr, 0, 16);
	*version = strchr(text, ':') ? 6 : 4;
	assert_int_equal(inet_pton(*version == 6 ? AF_INET6 : AF_INET, text, addr), 1);
}

/* The pod name of what a lookup finds, "-" for nothing; *match as the lookup set it. */
static const char *who(const struct pt_workload_table *t, const char *text, enum pt_workload_match *match)
{
	enum pt_workload_match m;
	uint8_t v, addr[16];
	struct pt_workload *w;

	text_addr(text, &v, addr);
	w = pt_workload_table_lookup(t, v, addr, &m);
	assert_int_equal(w == NULL, m == PT_WORKLOAD_MATCH_NONE);
	if (match != NULL)
		*match = m;
	return w != NULL ? w->field[PT_WORKLOAD_F_POD] : "-";
}

static const struct pt_workload_table *publish(struct pt_workloads *ws)
{
	assert_int_equal(pt_workloads_publish(ws), 1);
	return pt_workloads_current(ws);
}

static struct pt_workloads_stats stats(const struct pt_workloads *ws)
{
	struct pt_workloads_stats s;

	pt_workloads_stats(ws, &s);
	return s;
}

static void test_create_and_null(void **state)
{
	uint8_t addr[16] = { 10, 0, 0, 1 };
	enum pt_workload_match m = PT_WORKLOAD_MATCH_ADDRESS;
	struct pt_workloads *ws;

	(void)state;
	assert_null(pt_workloads_create(0, 1));
	assert_null(pt_workloads_create(10, 0));
	pt_workloads_free(NULL);
	assert_null(pt_workloads_current(NULL));
	assert_int_equal(pt_workloads_reader_online(NULL, 0), -EINVAL);
	pt_workloads_reader_offline(NULL, 0);
	pt_workloads_quiescent(NULL, 0);
	assert_int_equal(pt_workloads_reclaim(NULL), 0);
	assert_null(pt_workload_table_lookup(NULL, 4, addr, &m));
	assert_int_equal(m, PT_WORKLOAD_MATCH_NONE);
	assert_int_equal(pt_workload_table_generation(NULL), 0);

	ws = pt_workloads_create(10, 2);
	assert_non_null(ws);
	assert_int_equal(pt_workloads_reader_online(ws, 2), -EINVAL);
	assert_null(pt_workloads_current(ws));
	assert_int_equal(stats(ws).generation, 0);
	assert_int_equal(set(ws, "10.0.0.1", false, "a"), 1);
	assert_null(pt_workloads_current(ws));               /* nothing until published */
	publish(ws);
	m = PT_WORKLOAD_MATCH_ADDRESS;
	assert_null(pt_workload_table_lookup(pt_workloads_current(ws), 5, addr, &m));
	assert_int_equal(m, PT_WORKLOAD_MATCH_NONE);
	assert_non_null(pt_workload_table_lookup(pt_workloads_current(ws), 4, addr, NULL));
	pt_workloads_free(ws);
}

static void test_publish_and_generation(void **state)
{
	struct pt_workloads *ws = pt_workloads_create(100, 1);
	const struct pt_workload_table *t;
	struct pt_workloads_stats s;
	enum pt_workload_match m;

	(void)state;
	t = publish(ws);                                      /* the first table, even empty */
	assert_non_null(t);
	assert_int_equal(pt_workload_table_generation(t), 1);
	assert_string_equal(who(t, "10.0.0.1", &m), "-");
	assert_int_equal(pt_workloads_publish(ws), 0);        /* nothing changed */

	assert_int_equal(set(ws, "10.0.0.1", false, "a"), 1);
	assert_ptr_equal(pt_workloads_current(ws), t);        /* invisible until published */
	t = publish(ws);
	assert_int_equal(pt_workload_table_generation(t), 2);
	assert_string_equal(who(t, "10.0.0.1", &m), "a");
	assert_int_equal(m, PT_WORKLOAD_MATCH_ADDRESS);

	assert_int_equal(set(ws, "10.0.0.1", false, "a"), 0); /* same JSON: no change, no table */
	assert_int_equal(pt_workloads_del(ws, "10.9.9.9", false), 0);
	assert_int_equal(pt_workloads_del(ws, "10.0.0.0/8", true), 0);
	assert_int_equal(set(ws, "10.0.0.2", false, "bad\\u0000"), -EINVAL);   /* no entry: nothing changes */
	assert_int_equal(pt_workloads_publish(ws), 0);
	assert_string_equal(who(pt_workloads_current(ws), "10.0.0.1", NULL), "a");

	assert_int_equal(pt_workloads_del(ws, "10.0.0.1", false), 1);
	assert_string_equal(who(pt_workloads_current(ws), "10.0.0.1", NULL), "a");
	t = publish(ws);
	assert_int_equal(pt_workload_table_generation(t), 3);
	assert_string_equal(who(t, "10.0.0.1", NULL), "-");

	/* A bad identity over an entry removes it (what Redis holds no longer names that workload). */
	assert_int_equal(set(ws, "10.0.0.1", false, "a"), 1);
	t = publish(ws);
	assert_int_equal(set(ws, "10.0.0.1", false, "bad\\u0000"), -EINVAL);
	assert_string_equal(who(pt_workloads_current(ws), "10.0.0.1", NULL), "a");   /* until published */
	t = publish(ws);
	assert_int_equal(pt_workload_table_generation(t), 5);
	assert_string_equal(who(t, "10.0.0.1", NULL), "-");

	s = stats(ws);
	assert_int_equal(s.generation, 5);
	assert_int_equal(s.publishes, 5);
	assert_int_equal(s.sets, 2);
	assert_int_equal(s.dels, 1);
	assert_int_equal(s.invalid, 2);
	assert_int_equal(s.addresses + s.networks, 0);
	pt_workloads_free(ws);
}

static void test_set_results(void **state)
{
	struct pt_workloads *ws = pt_workloads_create(100, 1);
	const char *other = "{\"pod\":\"a\",\"kind\":\"pod\"}";     /* the same identity, other text: a change */
	struct pt_workloads_stats s;

	(void)state;
	assert_int_equal(set(ws, "10.0.0.1", false, "a"), 1);
	assert_int_equal(set(ws, "10.0.0.1", false, "a"), 0);
	assert_int_equal(set(ws, "10.0.0.1", false, "b"), 1);
	assert_int_equal(pt_workloads_set(ws, "10.0.0.1", false, other, strlen(other), err, sizeof(err)), 1);
	assert_int_equal(pt_workloads_set(ws, "10.0.0.1", false, other, strlen(other), err, sizeof(err)), 0);
	/* A bad identity removes the entry: Redis no longer holds the old one. */
	err[0] = '\0';
	assert_int_equal(pt_workloads_set(ws, "10.0.0.1", false, "{\"kind\":\"x\"}", 12, err, sizeof(err)), -EINVAL);
	assert_true(err[0] != '\0');
	assert_int_equal(pt_workloads_set(ws, "10.0.0.2", false, "not json", 8, err, sizeof(err)), -EINVAL);
	assert_string_equal(who(publish(ws), "10.0.0.1", NULL), "-");
	assert_string_equal(who(pt_workloads_current(ws), "10.0.0.2", NULL), "-");
	s = stats(ws);
	assert_int_equal(s.sets, 3);
	assert_int_equal(s.invalid, 2);
	assert_int_equal(s.addresses, 0);
	pt_workloads_free(ws);
}

static void test_address_forms(void **state)
{
	static const char *const bad[] = {
		"", "10.0.0", "10.0.0.1.2", "10.0.0.256", "10.0.0.1 ", " 10.0.0.1", "fd00::1::2", "fd00::g", "10.0.0.1/32",
		"fd00::1/128", "host.example", "fe80::1%eth0", "10.0.0.1/", "::ffff:10.0.0.1/128",
		"1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:bbbb:cccc:dddd:eeee:ffff:0000",
	};
	struct pt_workloads *ws = pt_workloads_create(100, 1);
	const struct pt_workload_table *t;
	enum pt_workload_match m;
	struct pt_workloads_stats s;

	(void)state;
	for (size_t i = 0; i < PT_ARRAY_SIZE(bad); i++) {
		if (set(ws, bad[i], false, "x") != -EINVAL || err[0] == '\0')
			fail_msg("address '%s' accepted", bad[i]);
		assert_int_equal(pt_workloads_del(ws, bad[i], false), -EINVAL);
	}
	assert_int_equal(set(ws, "10.1.2.3", false, "v4"), 1);
	assert_int_equal(set(ws, "fd00:10:96::a", false, "v6"), 1);
	assert_int_equal(set(ws, "::ffff:10.1.2.4", false, "mapped"), 1);       /* stored as 10.1.2.4 */
	assert_int_equal(set(ws, "10.1.2.4", false, "mapped"), 0);
	assert_int_equal(set(ws, "FD00:10:96:0:0:0:0:A", false, "v6"), 0);      /* the same address written otherwise */
	assert_int_equal(set(ws, "0.0.0.0", false, "zero"), 1);
	assert_int_equal(set(ws, "::", false, "zero6"), 1);
	t = publish(ws);
	assert_string_equal(who(t, "10.1.2.3", &m), "v4");
	assert_int_equal(m, PT_WORKLOAD_MATCH_ADDRESS);
	assert_string_equal(who(t, "::ffff:10.1.2.3", &m), "v4");               /* looked up as IPv4 */
	assert_int_equal(m, PT_WORKLOAD_MATCH_ADDRESS);
	assert_string_equal(who(t, "10.1.2.4", NULL), "mapped");
	assert_string_equal(who(t, "::ffff:10.1.2.4", NULL), "mapped");
	assert_string_equal(who(t, "fd00:10:96::a", NULL), "v6");
	assert_string_equal(who(t, "0.0.0.0", NULL), "zero");
	assert_string_equal(who(t, "::", NULL), "zero6");
	assert_string_equal(who(t, "::10.1.2.3", NULL), "-");                   /* IPv4-compatible is not mapped */
	assert_string_equal(who(t, "fd00:10:96::b", NULL), "-");
	assert_string_equal(who(t, "10.1.2.5", NULL), "-");
	assert_string_equal(who(t, "::ffff:0.0.0.0", NULL), "zero");
	s = stats(ws);
	assert_int_equal(s.addresses, 5);
	assert_int_equal(s.invalid, 2 * PT_ARRAY_SIZE(bad));
	/* Deleting through the other spelling works too. */
	assert_int_equal(pt_workloads_del(ws, "::ffff:10.1.2.3", false), 1);
	assert_int_equal(pt_workloads_del(ws, "10.1.2.3", false), 0);
	assert_int_equal(pt_workloads_del(ws, "fd00:10:96:0::a", false), 1);
	t = publish(ws);
	assert_string_equal(who(t, "10.1.2.3", NULL), "-");
	assert_string_equal(who(t, "fd00:10:96::a", NULL), "-");
	assert_string_equal(who(t, "10.1.2.4", NULL), "mapped");
	pt_workloads_free(ws);
}

static void test_cidr_forms(void **state)
{
	static const char *const bad[] = {
		"10.0.0.0", "10.0.0.1/24", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/a", "10.0.0.0/-1", "10.0.0.0/ 8",
		"10.0.0.0/8 ", "10.0.0.0/8/8", "/8", "10.0.0/8", "fd00::1/64", "fd00::/129", "fd00::", "0.0.0.1/0",
		"::1/0", "10.0.0.0/99999999999999999999999", "::ffff:10.0.0.1/120",
	};
	struct pt_workloads *ws = pt_workloads_create(100, 1);
	const struct pt_workload_table *t;
	enum pt_workload_match m;

	(void)state;
	for (size_t i = 0; i < PT_ARRAY_SIZE(bad); i++) {
		if (set(ws, bad[i], true, "x") != -EINVAL || err[0] == '\0')
			fail_msg("network '%s' accepted", bad[i]);
		assert_int_equal(pt_workloads_del(ws, bad[i], true), -EINVAL);
	}
	assert_int_equal(set(ws, "0.0.0.0/0", true, "all4"), 1);
	assert_int_equal(set(ws, "::/0", true, "all6"), 1);
	assert_int_equal(set(ws, "10.1.2.3/32", true, "host4"), 1);
	assert_int_equal(set(ws, "fd00::1/128", true, "host6"), 1);
	assert_int_equal(set(ws, "::ffff:10.2.0.0/112", true, "mapped16"), 1);  /* stored as 10.2.0.0/16 */
	assert_int_equal(set(ws, "10.2.0.0/16", true, "mapped16"), 0);
	assert_int_equal(set(ws, "10.0.0.0/08", true, "eight"), 1);
	assert_int_equal(stats(ws).networks, 6);
	t = publish(ws);
	assert_string_equal(who(t, "10.1.2.3", &m), "host4");
	assert_int_equal(m, PT_WORKLOAD_MATCH_NETWORK);                         /* a /32 network is still a network */
	assert_string_equal(who(t, "10.1.2.4", NULL), "eight");
	assert_string_equal(who(t, "10.2.200.1", NULL), "mapped16");
	assert_string_equal(who(t, "::ffff:10.2.200.1", NULL), "mapped16");
	assert_string_equal(who(t, "192.0.2.1", &m), "all4");
	assert_int_equal(m, PT_WORKLOAD_MATCH_NETWORK);
	assert_string_equal(who(t, "fd00::1", NULL), "host6");
	assert_string_equal(who(t, "fd00::2", NULL), "all6");
	assert_string_equal(who(t, "2001:db8::1", NULL), "all6");
	assert_string_equal(who(t, "::ffff:192.0.2.1", NULL), "all4");          /* mapped goes to IPv4, not ::/0 */
	/* An address entry and a network entry of the same text are separate. */
	assert_int_equal(pt_workloads_del(ws, "10.1.2.3", false), 0);
	assert_int_equal(pt_workloads_del(ws, "10.1.2.3/32", false), -EINVAL);
	assert_int_equal(pt_workloads_del(ws, "10.1.2.3/32", true), 1);
	assert_int_equal(pt_workloads_del(ws, "0.0.0.0/0", true), 1);
	t = publish(ws);
	assert_string_equal(who(t, "10.1.2.3", NULL), "eight");
	assert_string_equal(who(t, "192.0.2.1", &m), "-");
	assert_int_equal(m, PT_WORKLOAD_MATCH_NONE);
	assert_string_equal(who(t, "2001:db8::1", NULL), "all6");
	pt_workloads_free(ws);
}

static void test_exact_beats_networks(void **state)
{
	struct pt_workloads *ws = pt_workloads_create(100, 1);
	const struct pt_workload_table *t;
	enum pt_workload_match m;

	(void)state;
	assert_int_equal(set(ws, "10.244.1.0/24", true, "node-1"), 1);
	assert_int_equal(set(ws, "10.244.1.10/32", true, "net32"), 1);
	assert_int_equal(set(ws, "10.244.1.10", false, "pod"), 1);
	assert_int_equal(set(ws, "fd00:244::/64", true, "node6"), 1);
	assert_int_equal(set(ws, "fd00:244::10/128", true, "net128"), 1);
	assert_int_equal(set(ws, "fd00:244::10", false, "pod6"), 1);
	t = publish(ws);
	assert_string_equal(who(t, "10.244.1.10", &m), "pod");
	assert_int_equal(m, PT_WORKLOAD_MATCH_ADDRESS);
	assert_string_equal(who(t, "10.244.1.11", &m), "node-1");
	assert_int_equal(m, PT_WORKLOAD_MATCH_NETWORK);
	assert_string_equal(who(t, "fd00:244::10", &m), "pod6");
	assert_int_equal(m, PT_WORKLOAD_MATCH_ADDRESS);
	assert_string_equal(who(t, "fd00:244::11", &m), "node6");
	assert_int_equal(m, PT_WORKLOAD_MATCH_NETWORK);
	pt_workloads_free(ws);
}

static void test_longest_prefix(void **state)
{
	static const char *const nets[][2] = {
		{ "0.0.0.0/0", "n0" }, { "10.0.0.0/8", "n8" }, { "10.244.0.0/16", "n16" }, { "10.244.1.0/24", "n24" },
		{ "10.244.1.128/25", "n25" }, { "10.244.1.130/31", "n31" }, { "10.244.1.131/32", "n32" },
		{ "::/0", "m0" }, { "fd00::/8", "m8" }, { "fd00:10::/32", "m32" }, { "fd00:10:244::/64", "m64" },
		{ "fd00:10:244::/65", "m65" }, { "fd00:10:244::1/128", "m128" }, { "fd00:10:244::/127", "m127" },
	};
	static const char *const want[][2] = {
		{ "192.0.2.1", "n0" }, { "10.1.1.1", "n8" }, { "10.244.2.1", "n16" }, { "10.244.1.1", "n24" },
		{ "10.244.1.127", "n24" }, { "10.244.1.128", "n25" }, { "10.244.1.130", "n31" }, { "10.244.1.131", "n32" },
		{ "10.244.1.132", "n25" }, { "10.244.1.255", "n25" }, { "11.0.0.0", "n0" },
		{ "2001:db8::1", "m0" }, { "fd01::1", "m8" }, { "fd00:10:1::1", "m32" }, { "fd00:10:244:0:8000::1", "m64" },
		{ "fd00:10:244::2", "m65" }, { "fd00:10:244::1", "m128" }, { "fd00:10:244::", "m127" },
		{ "fd00:10:244::4", "m65" }, { "fd00:10:245::", "m32" }, { "fe00::", "m0" },
	};
	struct pt_workloads *ws = pt_workloads_create(100, 1);
	const struct pt_workload_table *t;

	(void)state;
	for (size_t i = 0; i < PT_ARRAY_SIZE(nets); i++)
		assert_int_equal(set(ws, nets[i][0], true, nets[i][1]), 1);
	t = publish(ws);
	for (size_t i = 0; i < PT_ARRAY_SIZE(want); i++)
		if (strcmp(who(t, want[i][0], NULL), want[i][1]) != 0)
			fail_msg("%s: %s, want %s", want[i][0], who(t, want[i][0], NULL), want[i][1]);
	/* Removing a length falls back to the next shorter one; other lengths stay. */
	assert_int_equal(pt_workloads_del(ws, "10.244.1.0/24", true), 1);
	assert_int_equal(pt_workloads_del(ws, "fd00:10:244::/127", true), 1);
	t = publish(ws);
	assert_string_equal(who(t, "10.244.1.1", NULL), "n16");
	assert_string_equal(who(t, "10.244.1.130", NULL), "n31");
	assert_string_equal(who(t, "fd00:10:244::", NULL), "m65");
	assert_string_equal(who(t, "fd00:10:244::1", NULL), "m128");
	/* Two networks of one length, then one removed: the length stays for the other. */
	assert_int_equal(set(ws, "10.245.0.0/16", true, "n16b"), 1);
	assert_int_equal(pt_workloads_del(ws, "10.244.0.0/16", true), 1);
	t = publish(ws);
	assert_string_equal(who(t, "10.245.9.9", NULL), "n16b");
	assert_string_equal(who(t, "10.244.1.1", NULL), "n8");
	pt_workloads_free(ws);
}

/*
 * Random tables against a brute-force longest-prefix match: addresses and networks of every length (those shorter
 * than /16 too, which cover many first-16-bit values), both families, looked up inside the entries, next to them
 * and at random.
 */
struct bf_entry {
	uint8_t v, addr[16], len;
	char pod[16];
};

static uint64_t bf_rng_state = 0x2545f4914f6cdd1dULL;

static uint32_t bf_rng(void)
{
	bf_rng_state ^= bf_rng_state << 13;
	bf_rng_state ^= bf_rng_state >> 7;
	bf_rng_state ^= bf_rng_state << 17;
	return (uint32_t)(bf_rng_state >> 16);
}

static bool bf_covers(const struct bf_entry *e, uint8_t v, const uint8_t addr[16])
{
	if (e->v != v)
		return false;
	for (unsigned bit = 0; bit < e->len; bit++)
		if ((e->addr[bit / 8] ^ addr[bit / 8]) & (0x80u >> (bit % 8)))
			return false;
	return true;
}

/* The pod of the longest entry covering the address (an address beats a network of the same length), or "-". */
static const char *bf_lookup(const struct bf_entry *e, size_t n, uint8_t v, const uint8_t addr[16])
{
	const struct bf_entry *best = NULL;

	for (size_t i = 0; i < n; i++)
		if (bf_covers(&e[i], v, addr) && (best == NULL || e[i].len > best->len))
			best = &e[i];
	return best != NULL ? best->pod : "-";
}

static void bf_random_addr(uint8_t v, uint8_t addr[16])
{
	/* Mostly near the entries' neighbourhoods (10.x and fd00::), sometimes anywhere. */
	memset(addr, 0, 16);
	for (int i = 0; i < (v == 4 ? 4 : 16); i++)
		addr[i] = (uint8_t)bf_rng();
	if (bf_rng() % 4 != 0) {
		addr[0] = v == 4 ? 10 : 0xfd;
		addr[1] = (uint8_t)(bf_rng() % 4);
	}
}

static void test_random_against_brute_force(void **state)
{
	enum { ENTRIES = 300, PROBES = 20000 };
	static struct bf_entry e[ENTRIES];
	struct pt_workloads *ws = pt_workloads_create(ENTRIES * 2, 1);
	const struct pt_workload_table *t;
	size_t n = 0;

	(void)state;
	while (n < ENTRIES) {
		struct bf_entry *x = &e[n];
		char text[INET6_ADDRSTRLEN], field[INET6_ADDRSTRLEN + 8];
		int max;
		bool net;

		x->v = bf_rng() % 3 == 0 ? 6 : 4;
		max = x->v == 4 ? 32 : 128;
		net = bf_rng() % 2 == 0;
		/* networks: lengths all over, short ones (< 16) rare but present */
		x->len = (uint8_t)(!net ? (uint32_t)max : bf_rng() % 8 == 0 ? bf_rng() % 16 : 8 + bf_rng() % (unsigned)(max - 7));
		bf_random_addr(x->v, x->addr);
		for (unsigned bit = x->len; bit < 128; bit++)
			x->addr[bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));
		if (x->v == 6 && x->addr[10] == 0xff && x->addr[11] == 0xff)
			continue;                              /* IPv4-mapped: keyed as IPv4, not this model's */
		bool dup = false;
		for (size_t i = 0; i < n; i++)
			dup |= e[i].v == x->v && e[i].len == x->len && memcmp(e[i].addr, x->addr, 16) == 0;
		if (dup || (net && x->len == max))
			continue;                              /* a /32 network would tie with the address table */
		assert_non_null(inet_ntop(x->v == 4 ? AF_INET : AF_INET6, x->addr, text, sizeof(text)));
		if (net)
			snprintf(field, sizeof(field), "%s/%u", text, x->len);
		else
			snprintf(field, sizeof(field), "%s", text);
		snprintf(x->pod, sizeof(x->pod), "e%zu", n);
		if (set(ws, field, net, x->pod) != 1)
			fail_msg("%s: %s", field, err);
		n++;
	}
	t = publish(ws);
	for (int p = 0; p < PROBES; p++) {
		uint8_t v = bf_rng() % 3 == 0 ? 6 : 4, addr[16];
		const char *got, *want;
		enum pt_workload_match m;
		struct pt_workload *w;

		if (p % 2 == 0) {
			/* inside (or just past) an entry: its bits, then random host bits */
			const struct bf_entry *x = &e[bf_rng() % n];

			v = x->v;
			bf_random_addr(v, addr);
			for (unsigned bit = 0; bit < x->len; bit++)
				addr[bit / 8] = (uint8_t)((addr[bit / 8] & ~(0x80u >> (bit % 8))) |
							  (x->addr[bit / 8] & (0x80u >> (bit % 8))));
			if (p % 6 == 0 && x->len > 0)
				addr[(x->len - 1) / 8] ^= (uint8_t)(0x80u >> ((x->len - 1) % 8));    /* the neighbour */
		} else {
			bf_random_addr(v, addr);
		}
		if (v == 6 && addr[10] == 0xff && addr[11] == 0xff && memcmp(addr, "\0\0\0\0\0\0\0\0\0\0", 10) == 0)
			continue;
		w = pt_workload_table_lookup(t, v, addr, &m);
		got = w != NULL ? w->field[PT_WORKLOAD_F_POD] : "-";
		want = bf_lookup(e, n, v, addr);
		if (strcmp(got, want) != 0) {
			char text[INET6_ADDRSTRLEN];

			inet_ntop(v == 4 ? AF_INET : AF_INET6, addr, text, sizeof(text));
			fail_msg("%s: %s, want %s", text, got, want);
		}
	}
	pt_workloads_free(ws);
}

/* A table a reader holds stays whole after the map moved on, until the reader is quiescent and reclaim runs. */
static void test_old_table_stays_valid(void **state)
{
	struct pt_workloads *ws = pt_workloads_create(100, 2);
	const struct pt_workload_table *held, *t;
	const char *latest = "new";
	struct pt_workload *old;

	(void)state;
	assert_int_equal(pt_workloads_reader_online(ws, 0), 0);
	assert_int_equal(set(ws, "10.0.0.1", false, "old"), 1);
	assert_int_equal(set(ws, "10.0.0.2", false, "gone"), 1);
	assert_int_equal(set(ws, "10.9.0.0/16", true, "oldnet"), 1);
	publish(ws);
	held = pt_workloads_current(ws);
	old = pt_workload_table_lookup(held, 4, (uint8_t[16]){ 10, 0, 0, 1 }, NULL);
	assert_non_null(old);

	assert_int_equal(set(ws, "10.0.0.1", false, "new"), 1);
	assert_int_equal(pt_workloads_del(ws, "10.0.0.2", false), 1);
	assert_int_equal(pt_workloads_del(ws, "10.9.0.0/16", true), 1);
	t = publish(ws);
	assert_ptr_not_equal(t, held);
	assert_int_equal(pt_workloads_reclaim(ws), 1);               /* reader 0 still holds generation 1 */
	for (int round = 0; round < 2; round++) {
		assert_int_equal(pt_workload_table_generation(held), 1);
		assert_string_equal(who(held, "10.0.0.1", NULL), "old");
		assert_string_equal(who(held, "10.0.0.2", NULL), "gone");
		assert_string_equal(who(held, "10.9.1.1", NULL), "oldnet");
		assert_string_equal(old->labels[0].value, "old");
		assert_string_equal(who(t, "10.0.0.1", NULL), latest);
		assert_string_equal(who(t, "10.0.0.2", NULL), "-");
		assert_string_equal(who(t, "10.9.1.1", NULL), "-");
		/* Another change and publish while the reader still holds it. */
		if (round == 0) {
			assert_int_equal(set(ws, "10.0.0.1", false, "newer"), 1);
			t = publish(ws);
			latest = "newer";
			assert_int_equal(pt_workloads_reclaim(ws), 2);
		}
	}
	pt_workloads_quiescent(ws, 0);
	assert_int_equal(pt_workloads_reclaim(ws), 0);               /* both old tables and their identities freed */
	held = pt_workloads_current(ws);
	assert_int_equal(pt_workload_table_generation(held), 3);
	assert_string_equal(who(held, "10.0.0.1", NULL), "newer");
	pt_workloads_reader_offline(ws, 0);
	pt_workloads_free(ws);
}

static void test_publish_busy(void **state)
{
	struct pt_workloads *ws = pt_workloads_create(100, 1);
	char pod[32];
	int rc;

	(void)state;
	assert_int_equal(pt_workloads_reader_online(ws, 0), 0);
	publish(ws);
	for (int i = 0; i < PT_RCU_RETIRED_MAX; i++) {
		snprintf(pod, sizeof(pod), "p%d", i);
		assert_int_equal(set(ws, "10.0.0.1", false, pod), 1);
		publish(ws);
	}
	assert_int_equal(set(ws, "10.0.0.1", false, "last"), 1);
	rc = pt_workloads_publish(ws);
	assert_int_equal(rc, -EBUSY);
	assert_string_equal(who(pt_workloads_current(ws), "10.0.0.1", NULL), "p7");
	assert_int_equal(pt_workloads_publish(ws), -EBUSY);          /* still dirty, still busy */
	pt_workloads_quiescent(ws, 0);
	assert_int_equal(pt_workloads_publish(ws), 1);
	assert_string_equal(who(pt_workloads_current(ws), "10.0.0.1", NULL), "last");
	assert_int_equal(pt_workload_table_generation(pt_workloads_current(ws)), PT_RCU_RETIRED_MAX + 2);
	pt_workloads_reader_offline(ws, 0);
	pt_workloads_free(ws);                                       /* ASan: nothing leaked */
}

/* A flow keeps the identity it started with: retained, it outlives the entry, the table and the reclaim. */
static void test_flow_keeps_identity(void **state)
{
	struct pt_workloads *ws = pt_workloads_create(100, 4);
	struct pt_workload *flow_a, *flow_b;
	uint8_t a[16] = { 10, 0, 0, 1 }, b[16] = { 10, 0, 0, 2 };

	(void)state;
	assert_int_equal(pt_workloads_reader_online(ws, 3), 0);
	assert_int_equal(set(ws, "10.0.0.1", false, "first"), 1);
	assert_int_equal(set(ws, "10.0.0.2", false, "deleted"), 1);
	publish(ws);
	/* The worker's burst: look up, retain for the flow, quiescent. */
	flow_a = pt_workload_table_lookup(pt_workloads_current(ws), 4, a, NULL);
	flow_b = pt_workload_table_lookup(pt_workloads_current(ws), 4, b, NULL);
	pt_workload_retain(flow_a);
	pt_workload_retain(flow_b);
	pt_workloads_quiescent(ws, 3);

	assert_int_equal(set(ws, "10.0.0.1", false, "second"), 1);
	assert_int_equal(pt_workloads_del(ws, "10.0.0.2", false), 1);
	publish(ws);
	pt_workloads_quiescent(ws, 3);
	assert_int_equal(pt_workloads_reclaim(ws), 0);               /* the old table and its drops are gone */
	assert_int_equal(atomic_load(&flow_a->refs), 1);             /* only the flow's reference is left */
	assert_string_equal(flow_a->field[PT_WORKLOAD_F_POD], "first");
	assert_string_equal(flow_a->labels[0].value, "first");
	assert_string_equal(flow_b->field[PT_WORKLOAD_F_POD], "deleted");
	assert_non_null(strstr(flow_a->json, "\"first\""));
	assert_string_equal(who(pt_workloads_current(ws), "10.0.0.1", NULL), "second");
	pt_workload_release(flow_a);                                 /* frees: ASan checks both ways */
	pt_workload_release(flow_b);
	pt_workloads_reader_offline(ws, 3);
	pt_workloads_free(ws);
}

static void test_mark_and_sweep(void **state)
{
	struct pt_workloads *ws = pt_workloads_create(100, 1);
	const struct pt_workload_table *t;
	struct pt_workloads_stats s;

	(void)state;
	assert_int_equal(set(ws, "10.0.0.1", false, "keep"), 1);
	assert_int_equal(set(ws, "10.0.0.2", false, "change"), 1);
	assert_int_equal(set(ws, "10.0.0.3", false, "stale"), 1);
	assert_int_equal(set(ws, "10.1.0.0/16", true, "stalenet"), 1);
	assert_int_equal(set(ws, "10.2.0.0/16", true, "keepnet"), 1);
	assert_int_equal(set(ws, "10.0.0.4", false, "badlater"), 1);
	publish(ws);
	assert_int_equal(pt_workloads_sweep(ws), 0);                 /* no mark yet: everything is current */

	pt_workloads_mark(ws);
	assert_int_equal(set(ws, "10.0.0.1", false, "keep"), 0);
	assert_int_equal(set(ws, "10.0.0.2", false, "changed"), 1);
	assert_int_equal(set(ws, "10.2.0.0/16", true, "keepnet"), 0);
	assert_int_equal(set(ws, "10.0.0.5", false, "new"), 1);
	assert_int_equal(pt_workloads_set(ws, "10.0.0.4", false, "{}", 2, err, sizeof(err)), -EINVAL);   /* removed */
	assert_int_equal(pt_workloads_publish(ws), 1);               /* the resync may publish midway */
	assert_int_equal(pt_workloads_sweep(ws), 2);                 /* 10.0.0.3, 10.1.0.0/16 */
	s = stats(ws);
	assert_int_equal(s.stale_removed, 2);
	assert_int_equal(s.addresses, 3);
	assert_int_equal(s.networks, 1);
	t = publish(ws);
	assert_string_equal(who(t, "10.0.0.1", NULL), "keep");
	assert_string_equal(who(t, "10.0.0.2", NULL), "changed");
	assert_string_equal(who(t, "10.0.0.3", NULL), "-");
	assert_string_equal(who(t, "10.0.0.4", NULL), "-");
	assert_string_equal(who(t, "10.0.0.5", NULL), "new");
	assert_string_equal(who(t, "10.1.0.1", NULL), "-");
	assert_string_equal(who(t, "10.2.0.1", NULL), "keepnet");
	/* A sweep right after a mark empties the map. */
	pt_workloads_mark(ws);
	assert_int_equal(pt_workloads_sweep(ws), 4);
	assert_int_equal(stats(ws).stale_removed, 6);
	t = publish(ws);
	assert_string_equal(who(t, "10.0.0.1", NULL), "-");
	assert_string_equal(who(t, "10.2.0.1", NULL), "-");
	pt_workloads_free(ws);
}

static void test_max_entries(void **state)
{
	struct pt_workloads *ws = pt_workloads_create(3, 1);
	struct pt_workloads_stats s;

	(void)state;
	assert_int_equal(set(ws, "10.0.0.1", false, "a"), 1);
	assert_int_equal(set(ws, "10.1.0.0/16", true, "n"), 1);
	assert_int_equal(set(ws, "fd00::1", false, "b"), 1);
	assert_int_equal(set(ws, "10.0.0.2", false, "c"), -ENOSPC);
	assert_true(err[0] != '\0');
	assert_int_equal(set(ws, "10.2.0.0/16", true, "m"), -ENOSPC);
	assert_int_equal(set(ws, "10.0.0.1", false, "a2"), 1);       /* changing an entry needs no room */
	assert_int_equal(set(ws, "10.0.0.1", false, "a2"), 0);
	s = stats(ws);
	assert_int_equal(s.full, 2);
	assert_int_equal(s.addresses + s.networks, 3);
	assert_int_equal(pt_workloads_del(ws, "fd00::1", false), 1);
	assert_int_equal(set(ws, "10.0.0.2", false, "c"), 1);
	assert_string_equal(who(publish(ws), "10.0.0.2", NULL), "c");
	assert_string_equal(who(pt_workloads_current(ws), "10.0.0.1", NULL), "a2");
	assert_int_equal(stats(ws).full, 2);
	pt_workloads_free(ws);
}

/* Freeing with tables waiting, identities pending for the next publish and nothing published: no leak (ASan). */
static void test_free_in_every_state(void **state)
{
	struct pt_workloads *ws = pt_workloads_create(100, 1);

	(void)state;
	assert_int_equal(set(ws, "10.0.0.1", false, "a"), 1);
	assert_int_equal(set(ws, "10.0.0.1", false, "b"), 1);        /* "a" pending, nothing published */
	pt_workloads_free(ws);

	ws = pt_workloads_create(100, 1);
	assert_int_equal(pt_workloads_reader_online(ws, 0), 0);
	assert_int_equal(set(ws, "10.0.0.1", false, "a"), 1);
	assert_int_equal(set(ws, "10.1.0.0/16", true, "n"), 1);
	publish(ws);
	assert_int_equal(set(ws, "10.0.0.1", false, "b"), 1);
	publish(ws);                                                 /* table 1 waits, holding "a" */
	assert_int_equal(pt_workloads_del(ws, "10.0.0.1", false), 1);
	assert_int_equal(pt_workloads_del(ws, "10.1.0.0/16", true), 1);   /* "b" and "n" pending */
	pt_workloads_reader_offline(ws, 0);
	pt_workloads_free(ws);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_and_null),
		cmocka_unit_test(test_publish_and_generation),
		cmocka_unit_test(test_set_results),
		cmocka_unit_test(test_address_forms),
		cmocka_unit_test(test_cidr_forms),
		cmocka_unit_test(test_exact_beats_networks),
		cmocka_unit_test(test_longest_prefix),
		cmocka_unit_test(test_random_against_brute_force),
		cmocka_unit_test(test_old_table_stays_valid),
		cmocka_unit_test(test_publish_busy),
		cmocka_unit_test(test_flow_keeps_identity),
		cmocka_unit_test(test_mark_and_sweep),
		cmocka_unit_test(test_max_entries),
		cmocka_unit_test(test_free_in_every_state),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
