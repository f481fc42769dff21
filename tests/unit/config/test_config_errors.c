/* SPDX-License-Identifier: BSD-3-Clause */
/* test_config_errors.c - Unit tests for lib/config's errors: exact messages, ranges, --set, files, and fuzz-ish input. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config_priv.h"
#include "test_config.h"

void test_run_yaml_cases(const struct yaml_case *cases, size_t n)
{
	char err[PT_CONFIG_ERR_LEN], want[PT_CONFIG_ERR_LEN + 64], path[TEST_PATH_LEN];
	struct pt_config c, before;

	for (size_t i = 0; i < n; i++) {
		pt_config_default(&c);
		before = c;
		err[0] = '\0';
		if (test_load_text(&c, cases[i].yaml, strlen(cases[i].yaml), err, path) != -EINVAL)
			fail_msg("accepted: %s", cases[i].yaml);
		snprintf(want, sizeof(want), "%s:%u: %s", path, cases[i].line, cases[i].msg);
		if (strcmp(err, want) != 0)
			fail_msg("for:\n%s\ngot:  %s\nwant: %s", cases[i].yaml, err, want);
		assert_memory_equal(&c, &before, sizeof(c));
	}
}

void test_run_set_cases(const struct set_case *cases, size_t n)
{
	char err[PT_CONFIG_ERR_LEN], want[PT_CONFIG_ERR_LEN + 64], q[72];
	struct pt_config c, before;

	pt_config_default(&c);
	before = c;
	for (size_t i = 0; i < n; i++) {
		err[0] = '\0';
		if (pt_config_set(&c, cases[i].set, err, sizeof(err)) != -EINVAL)
			fail_msg("accepted: %s", cases[i].set);
		/* The argument is quoted as in every message: cut to 60 characters. */
		snprintf(want, sizeof(want), "--set %s: %s", pt_config_quote(cases[i].set, q, sizeof(q)), cases[i].msg);
		if (strcmp(err, want) != 0)
			fail_msg("got:  %s\nwant: %s", err, want);
	}
	assert_memory_equal(&c, &before, sizeof(c));
}

void test_yaml_errors(void **state)
{
	static const struct yaml_case cases[] = {
		{ "a: b: c\n", 1, "YAML syntax error: mapping values are not allowed in this context" },
		{ "flow:\n  max_flows: [1, 2\n", 3, "YAML syntax error: did not find expected ',' or ']'" },
		{ "flow:\n\tmax_flows: 1\n", 2,
		  "YAML syntax error: found character that cannot start any token" },
		{ "sensor:\n  name: \xff\n", 2, "YAML syntax error: invalid leading UTF-8 octet" },
		{ "flow:\n  timeout:\n    udp: 5\n", 3,
		  "unknown key 'flow.timeout.udp' (did you mean 'flow.timeouts.udp'?)" },
		{ "flow:\n  timeout: {}\n", 2, "unknown key 'flow.timeout' (did you mean 'flow.timeouts'?)" },
		{ "flow:\n  timeout:\n", 2, "unknown key 'flow.timeout' (did you mean 'flow.timeouts'?)" },
		{ "capture:\n  worker: 2\n", 2, "unknown key 'capture.worker' (did you mean 'capture.workers'?)" },
		{ "zzzzzzzz: 1\n", 1, "unknown key 'zzzzzzzz'" },
		{ "log:\n  level: info\n  extra: [1]\n", 3, "unknown key 'log.extra'" },
		{ "a:\n b:\n  c:\n   d:\n    e:\n     f:\n      g:\n       h:\n        i:\n         j: 1\n", 9,
		  "unknown key 'a.b.c.d.e.f.g.h.i'" },
		{ "flow:\n  max_flows: abc\n", 2, "flow.max_flows: expected an integer in 1024..67108864, got 'abc'" },
		{ "flow:\n  max_flows:\n", 2, "flow.max_flows: expected an integer in 1024..67108864, got ''" },
		{ "flow:\n  max_flows: ~\n", 2, "flow.max_flows: expected an integer in 1024..67108864, got '~'" },
		{ "flow:\n  max_flows:\n    a: 1\n", 2,
		  "flow.max_flows: expected an integer in 1024..67108864, got a mapping" },
		{ "capture:\n  workers: [1]\n", 2, "capture.workers: expected an integer in 0..128, got a list" },
		{ "decode:\n  vxlan_ports: {a: 1}\n", 2,
		  "decode.vxlan_ports: expected a list of 1..4 distinct ports, each in 1..65535, got a mapping" },
		{ "flow: 5\n", 1, "flow: expected a mapping of keys, got '5'" },
		{ "flow:\n  timeouts: [1]\n", 2, "flow.timeouts: expected a mapping of keys, got a list" },
		{ "flow:\n  max_flows: 2048\n  max_flows: 4096\n", 3,
		  "duplicate key 'flow.max_flows' (first at line 2)" },
		{ "flow: {}\nlog: {}\nflow: {}\n", 3, "duplicate key 'flow' (first at line 1)" },
		{ "flow.max_flows: 2048\nflow:\n  max_flows: 4096\n", 3,
		  "duplicate key 'flow.max_flows' (first at line 1)" },
		{ "hello\n", 1, "expected a mapping of sections at the top level, got a scalar" },
		{ "- flow\n", 1, "expected a mapping of sections at the top level, got a list" },
		{ "flow:\n  max_flows: &n 2048\n", 2, "YAML anchors ('&n') are not supported" },
		{ "flow: &f\n  max_flows: 2048\n", 1, "YAML anchors ('&f') are not supported" },
		{ "flow:\n  max_flows: *n\n", 2, "YAML aliases ('*n') are not supported" },
		{ "flow: {}\n---\nlog: {}\n", 2, "expected one YAML document, found another" },
		{ "? [a]\n: 1\n", 1, "keys must be plain words, got a list as a key" },
		{ "sensor:\n  name: \"a\\0b\"\n", 2,
		  "sensor.name: expected a string of at most 255 characters, got a value containing a NUL byte" },
		{ "capture:\n  rss: maybe\n", 2,
		  "capture.rss: expected a boolean (true/false, yes/no, on/off), got 'maybe'" },
		{ "capture:\n  rss: 1\n", 2, "capture.rss: expected a boolean (true/false, yes/no, on/off), got '1'" },
		{ "log:\n  level: verbose\n", 2, "log.level: expected one of error, warn, info, debug, got 'verbose'" },
		{ "log:\n  level: \"\"\n", 2, "log.level: expected one of error, warn, info, debug, got ''" },
		/* All or nothing: the valid key before the error is not applied either. */
		{ "flow:\n  max_flows: 2048\n  record_ring_size: 12\n", 3,
		  "flow.record_ring_size: expected an integer in 1024..4194304, got '12'" },
	};

	(void)state;
	test_run_yaml_cases(cases, PT_ARRAY_LEN(cases));
}

void test_yaml_range_errors(void **state)
{
#define PORTS "decode.vxlan_ports: expected a list of 1..4 distinct ports, each in 1..65535, got "
	static const struct yaml_case cases[] = {
		{ "capture:\n  rx_descriptors: 63\n", 2, "capture.rx_descriptors: expected an integer in 64..16384, got '63'" },
		{ "capture:\n  rx_descriptors: 16385\n", 2,
		  "capture.rx_descriptors: expected an integer in 64..16384, got '16385'" },
		{ "capture:\n  workers: 129\n", 2, "capture.workers: expected an integer in 0..128, got '129'" },
		{ "capture:\n  workers: -1\n", 2, "capture.workers: expected an integer in 0..128, got '-1'" },
		{ "capture:\n  workers: 1.5\n", 2, "capture.workers: expected an integer in 0..128, got '1.5'" },
		{ "capture:\n  workers: 0x10\n", 2, "capture.workers: expected an integer in 0..128, got '0x10'" },
		{ "capture:\n  mbufs: 99999999999999999999999\n", 2,
		  "capture.mbufs: expected an integer in 1023..16777215, got '99999999999999999999999'" },
		{ "capture:\n  mbuf_cache: 513\n", 2, "capture.mbuf_cache: expected an integer in 0..512, got '513'" },
		{ "capture:\n  mbuf_size: 127\n", 2, "capture.mbuf_size: expected an integer in 128..16384, got '127'" },
		{ "capture:\n  snaplen: 63\n", 2, "capture.snaplen: expected an integer in 64..262144, got '63'" },
		{ "decode:\n  geneve_port: 65536\n", 2, "decode.geneve_port: expected an integer in 0..65535, got '65536'" },
		{ "decode:\n  fragment_table_size: 1048577\n", 2,
		  "decode.fragment_table_size: expected an integer in 64..1048576, got '1048577'" },
		{ "flow:\n  max_flows: 67108865\n", 2,
		  "flow.max_flows: expected an integer in 1024..67108864, got '67108865'" },
		{ "flow:\n  record_ring_size: 4194305\n", 2,
		  "flow.record_ring_size: expected an integer in 1024..4194304, got '4194305'" },
		{ "flow:\n  timeouts:\n    udp: 0.5s\n", 3, "flow.timeouts.udp: expected a duration in 1s..24h, got '0.5s'" },
		{ "flow:\n  timeouts:\n    tcp_opening: 0\n", 3,
		  "flow.timeouts.tcp_opening: expected a duration in 1s..24h, got '0'" },
		{ "flow:\n  timeouts:\n    other: 25h\n", 3, "flow.timeouts.other: expected a duration in 1s..24h, got '25h'" },
		{ "flow:\n  timeouts:\n    icmp: 2d\n", 3, "flow.timeouts.icmp: expected a duration in 1s..24h, got '2d'" },
		{ "flow:\n  timeouts:\n    tcp_closed: 5 s\n", 3,
		  "flow.timeouts.tcp_closed: expected a duration in 1s..24h, got '5 s'" },
		{ "flow:\n  update_interval: 500ms\n", 2,
		  "flow.update_interval: expected 0 or a duration in 1s..24h, got '500ms'" },
		{ "stats:\n  interval: 86401\n", 2, "stats.interval: expected 0 or a duration in 1s..24h, got '86401'" },
		{ "redis:\n  prefix: \"\"\n", 2, "redis.prefix: expected a string of 1..63 characters, got an empty string" },
		{ "redis:\n  prefix:\n", 2, "redis.prefix: expected a string of 1..63 characters, got an empty string" },
		{ "redis:\n  prefix: pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp\n", 2,
		  "redis.prefix: expected a string of 1..63 characters, got 64 characters" },
		{ "decode:\n  vxlan_ports: []\n", 2, PORTS "an empty list" },
		{ "decode:\n  vxlan_ports: [1, 2, 3, 4, 5]\n", 2, PORTS "5 ports" },
		{ "decode:\n  vxlan_ports:\n    - 4789\n    - 0\n", 4, PORTS "'0'" },
		{ "decode:\n  vxlan_ports: [70000]\n", 2, PORTS "'70000'" },
		{ "decode:\n  vxlan_ports: [4789, 4789]\n", 2, PORTS "4789 twice" },
		{ "decode:\n  vxlan_ports: [[1]]\n", 2, PORTS "a list inside the list" },
		{ "decode:\n  vxlan_ports: [1, {a: 2}]\n", 2, PORTS "a mapping inside the list" },
		{ "decode:\n  vxlan_ports: 1,,2\n", 2, PORTS "'1,,2'" },
		{ "decode:\n  vxlan_ports:\n", 2, PORTS "an empty list" },
		{ "decode:\n  vxlan_ports: ~\n", 2, PORTS "an empty list" },
		{ "decode:\n  vxlan_ports: [1, \"2\\0\"]\n", 2, PORTS "a value containing a NUL byte inside the list" },
		{ "decode:\n  vxlan_ports: [1, \"\"]\n", 2, PORTS "''" },
	};
#undef PORTS
	struct pt_config c;
	char err[PT_CONFIG_ERR_LEN], path[TEST_PATH_LEN], yaml[600];

	(void)state;
	test_run_yaml_cases(cases, PT_ARRAY_LEN(cases));

	/* The edges themselves are accepted. */
	static const char edges[] =
		"capture: {rx_descriptors: 64, workers: 128, mbufs: 16777215, mbuf_cache: 512, snaplen: 64}\n"
		"decode: {geneve_port: 65535, fragment_table_size: 64, vxlan_ports: [65535]}\n"
		"flow: {max_flows: 67108864, record_ring_size: 1024, update_interval: 24h,\n"
		"       timeouts: {udp: 1s, tcp_opening: 86400, tcp_closed: 1000ms, other: 1440m}}\n"
		"stats: {interval: 0}\n";
	pt_config_default(&c);
	if (test_load_text(&c, edges, strlen(edges), err, path) != 0)
		fail_msg("%s", err);
	assert_int_equal(c.flow.timeout_other_ns, 86400ULL * 1000000000ULL);
	assert_int_equal(c.stats.interval_ns, 0);

	/* Strings up to their buffer size less one. */
	memset(yaml, 0, sizeof(yaml));
	strcpy(yaml, "sensor:\n  name: ");
	memset(yaml + strlen(yaml), 'n', 255);
	assert_int_equal(test_load_text(&c, yaml, strlen(yaml), err, path), 0);
	assert_int_equal(strlen(c.sensor.name), 255);
	strcat(yaml, "n\n");
	assert_int_equal(test_load_text(&c, yaml, strlen(yaml), err, path), -EINVAL);
	assert_non_null(strstr(err, ":2: sensor.name: expected a string of at most 255 characters, got 256 characters"));
}

void test_set_errors(void **state)
{
	static const struct { const char *set, *msg; } cases[] = {
		{ "flow.max_flows=abc", "--set flow.max_flows=abc: expected an integer in 1024..67108864, got 'abc'" },
		{ "nosuchkey=1", "--set nosuchkey=1: unknown key 'nosuchkey'" },
		{ "foo", "--set foo: expected KEY=VALUE" },
		{ "=5", "--set =5: expected KEY=VALUE" },
		{ " = 5", "--set  = 5: expected KEY=VALUE" },
		{ "", "--set : expected KEY=VALUE" },
		{ "flow.timeout.udp=5",
		  "--set flow.timeout.udp=5: unknown key 'flow.timeout.udp' (did you mean 'flow.timeouts.udp'?)" },
		{ "flow=1", "--set flow=1: 'flow' is a section, not a key; set one of its keys" },
		{ "flow.timeouts=1", "--set flow.timeouts=1: 'flow.timeouts' is a section, not a key; set one of its keys" },
		{ "capture.rss=", "--set capture.rss=: expected a boolean (true/false, yes/no, on/off), got ''" },
		{ "log.level=a\nb", "--set log.level=a?b: expected one of error, warn, info, debug, got 'a?b'" },
		{ "flow.timeouts.udp=25h", "--set flow.timeouts.udp=25h: expected a duration in 1s..24h, got '25h'" },
		{ "flow.update_interval=0.1", "--set flow.update_interval=0.1: expected 0 or a duration in 1s..24h, got '0.1'" },
		{ "redis.prefix=", "--set redis.prefix=: expected a string of 1..63 characters, got an empty string" },
		{ "decode.vxlan_ports=", "--set decode.vxlan_ports=: expected a list of 1..4 distinct ports, each in "
					 "1..65535, got an empty list" },
		{ "decode.vxlan_ports=[]", "--set decode.vxlan_ports=[]: expected a list of 1..4 distinct ports, each "
					   "in 1..65535, got an empty list" },
		{ "decode.vxlan_ports=1,", "--set decode.vxlan_ports=1,: expected a list of 1..4 distinct ports, each "
					   "in 1..65535, got '1,'" },
		{ "decode.vxlan_ports=1,x", "--set decode.vxlan_ports=1,x: expected a list of 1..4 distinct ports, "
					    "each in 1..65535, got 'x'" },
		{ "decode.vxlan_ports=[1", "--set decode.vxlan_ports=[1: expected a list of 1..4 distinct ports, "
					   "each in 1..65535, got '[1'" },
		{ "decode.vxlan_ports=1,2,3,4,5", "--set decode.vxlan_ports=1,2,3,4,5: expected a list of 1..4 "
						  "distinct ports, each in 1..65535, got 5 ports" },
	};
	char err[PT_CONFIG_ERR_LEN], big[2100], want[PT_CONFIG_ERR_LEN];
	struct pt_config c, before;

	(void)state;
	pt_config_default(&c);
	before = c;
	for (size_t i = 0; i < PT_ARRAY_LEN(cases); i++) {
		err[0] = '\0';
		assert_int_equal(pt_config_set(&c, cases[i].set, err, sizeof(err)), -EINVAL);
		if (strcmp(err, cases[i].msg) != 0)
			fail_msg("got:  %s\nwant: %s", err, cases[i].msg);
	}
	assert_memory_equal(&c, &before, sizeof(c));

	/* Long values and keys are quoted shortened; the message stays one line in the buffer. */
	snprintf(big, sizeof(big), "sensor.name=");
	memset(big + strlen(big), 'x', 2000);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(pt_config_set(&c, big, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "--set %.60s...: expected a string of at most 255 characters, got %zu characters",
		 big, strlen(big) - strlen("sensor.name="));
	assert_string_equal(err, want);
	memset(big, 'k', 2000);
	big[2000] = '=';
	big[2001] = '1';
	big[2002] = '\0';
	assert_int_equal(pt_config_set(&c, big, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, ": unknown key 'kkkkkkkk"));
	assert_memory_equal(&c, &before, sizeof(c));

	/* No crash without an error buffer, or with a tiny one. */
	assert_int_equal(pt_config_set(&c, "nosuchkey=1", NULL, 0), -EINVAL);
	assert_int_equal(pt_config_set(&c, "nosuchkey=1", err, 8), -EINVAL);
	assert_string_equal(err, "--set n");
	assert_int_equal(pt_config_set(&c, NULL, err, sizeof(err)), -EINVAL);
	assert_int_equal(pt_config_set(NULL, "flow.max_flows=2048", err, sizeof(err)), -EINVAL);
}

void test_file_errors(void **state)
{
	char err[PT_CONFIG_ERR_LEN], path[TEST_PATH_LEN], *big;
	struct pt_config c, before;
	size_t big_len = 1024 * 1024 + 10;

	(void)state;
	pt_config_default(&c);
	before = c;
	assert_int_equal(pt_config_load_file(&c, "/nonexistent/podtap.yaml", err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "/nonexistent/podtap.yaml: No such file or directory");
	assert_int_equal(pt_config_load_file(&c, "/tmp", err, sizeof(err)), -EISDIR);
	assert_string_equal(err, "/tmp: Is a directory");
	assert_int_equal(pt_config_load_file(&c, NULL, err, sizeof(err)), -EINVAL);
	assert_int_equal(pt_config_load_file(NULL, "/tmp", err, sizeof(err)), -EINVAL);
	assert_int_equal(pt_config_load_file(&c, "/nonexistent", NULL, 0), -ENOENT);

	/* Over 1 MiB is refused before parsing (a comment-only file would otherwise be valid). */
	big = malloc(big_len);
	assert_non_null(big);
	memset(big, '#', big_len);
	assert_int_equal(test_load_text(&c, big, big_len, err, path), -EINVAL);
	assert_non_null(strstr(err, ": larger than 1048576 bytes; not a configuration file"));
	assert_int_equal(test_load_text(&c, big, 1024 * 1024, err, path), 0);
	free(big);
	assert_memory_equal(&c, &before, sizeof(c));
}

void test_suggestions(void **state)
{
	static const struct { const char *typo, *hint; } cases[] = {
		{ "capture.worker", "capture.workers" }, { "stat.interval", "stats.interval" },
		{ "flow.timeouts.udpp", "flow.timeouts.udp" }, { "rediss", "redis" },
		{ "flow.maxflows", "flow.max_flows" }, { "decode.vxlan_port", "decode.vxlan_ports" },
		{ "capture.bpffilter", "capture.bpf_filter" }, { "totally.unrelated", NULL }, { "", NULL },
	};
	char buf[PT_CONFIG_PATH_LEN];

	(void)state;
	for (size_t i = 0; i < PT_ARRAY_LEN(cases); i++) {
		const char *got = pt_config_suggest(cases[i].typo, buf, sizeof(buf));

		if (cases[i].hint == NULL ? got != NULL : got == NULL || strcmp(got, cases[i].hint) != 0)
			fail_msg("'%s' suggested '%s'", cases[i].typo, got ? got : "(none)");
	}
}

static char *default_file(size_t *len)
{
	const char *path = getenv("PT_CONFIG_DEFAULT_YAML");
	char *buf;
	FILE *f;

	assert_non_null(path);
	f = fopen(path, "rb");
	assert_non_null(f);
	buf = calloc(1, 1 << 16);
	assert_non_null(buf);
	*len = fread(buf, 1, (1 << 16) - 1, f);
	fclose(f);
	assert_true(*len > 0);
	return buf;
}

static void check_result(int rc, const char *err, const char *path, const struct pt_config *c)
{
	if (rc != 0 && rc != -EINVAL)
		fail_msg("returned %d", rc);
	if (rc == -EINVAL && strncmp(err, path, strlen(path)) != 0)
		fail_msg("error without the file name: %s", err);
	assert_true(memchr(c->sensor.name, '\0', sizeof(c->sensor.name)) != NULL);
	assert_true(memchr(c->redis.prefix, '\0', sizeof(c->redis.prefix)) != NULL);
	assert_true(c->decode.n_vxlan_ports >= 1 && c->decode.n_vxlan_ports <= PT_CONFIG_MAX_PORTS);
	assert_true(c->networks.internal.count <= PT_CONFIG_MAX_CIDRS);
	assert_true(c->networks.cluster.count <= PT_CONFIG_MAX_CIDRS);
}

void test_prefixes_of_default_file(void **state)
{
	char err[PT_CONFIG_ERR_LEN], path[TEST_PATH_LEN];
	size_t len, ok = 0;
	char *text = default_file(&len);
	struct pt_config c;

	(void)state;
	for (size_t n = 0; n <= len; n++) {
		pt_config_default(&c);
		err[0] = '\0';
		int rc = test_load_text(&c, text, n, err, path);

		check_result(rc, err, path, &c);
		ok += rc == 0;
	}
	assert_true(ok > 0);
	free(text);
}

void test_mutations_of_default_file(void **state)
{
	static const char bytes[] = ":-[]{}&*!|>'\"\n \t#%@,?~.0a\\\0\xff\xc3";
	char err[PT_CONFIG_ERR_LEN], path[TEST_PATH_LEN];
	size_t len;
	char *text = default_file(&len), *copy = malloc(len + 1);
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	struct pt_config c;

	(void)state;
	assert_non_null(copy);
	for (int iter = 0; iter < 3000; iter++) {
		memcpy(copy, text, len);
		for (int m = 0; m < 1 + iter % 3; m++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			copy[(seed >> 33) % len] = bytes[(seed >> 17) % (sizeof(bytes) - 1)];
		}
		pt_config_default(&c);
		err[0] = '\0';
		check_result(test_load_text(&c, copy, len, err, path), err, path, &c);
	}
	free(copy);
	free(text);
}
