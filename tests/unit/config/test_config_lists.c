/* SPDX-License-Identifier: BSD-3-Clause */
/* test_config_lists.c - lib/config unit tests: CIDR lists from YAML and --set, every error; dpi/dns/geo ranges. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "config_priv.h"
#include "test_config.h"

#define SEC 1000000000ULL
#define EXPECT "expected a list of up to 64 CIDRs such as 10.244.0.0/16, got "
#define CLUSTER "networks.cluster: " EXPECT
#define NOT_IP " (not an IPv4 or IPv6 address)"

void test_assert_cidrs(const struct pt_config_cidrs *list, const char *want)
{
	static const uint8_t zero[sizeof(list->net[0])];
	char got[64 * 52] = "", addr[INET6_ADDRSTRLEN];
	size_t used = 0;

	assert_true(list->count <= PT_CONFIG_MAX_CIDRS);
	for (uint32_t i = 0; i < list->count; i++) {
		const struct pt_config_cidr *c = &list->net[i];

		assert_true(c->ip_version == 4 || c->ip_version == 6);
		if (c->ip_version == 4)
			assert_memory_equal(c->addr + 4, zero, 12);
		assert_non_null(inet_ntop(c->ip_version == 4 ? AF_INET : AF_INET6, c->addr, addr, sizeof(addr)));
		used += (size_t)snprintf(got + used, sizeof(got) - used, "%s%s/%u", i ? " " : "", addr, c->prefix_len);
	}
	if (strcmp(got, want) != 0)
		fail_msg("got '%s', want '%s'", got, want);
	for (uint32_t i = list->count; i < PT_CONFIG_MAX_CIDRS; i++)
		if (memcmp(&list->net[i], zero, sizeof(zero)) != 0)
			fail_msg("net[%u] is not zero past the count %u", i, list->count);
}

/* Every accepted spelling, each loaded over a longer list, which it must replace entirely. */
void test_cidr_forms(void **state)
{
	static const struct { const char *yaml, *want; } cases[] = {
		{ "networks:\n  cluster: [10.244.0.0/16, fd00:10:244::/56]\n", "10.244.0.0/16 fd00:10:244::/56" },
		{ "networks:\n  cluster:\n    - 10.244.0.0/16\n    - ::1\n    - \"::/0\"\n", "10.244.0.0/16 ::1/128 ::/0" },
		{ "networks:\n  cluster: 10.1.2.3, 10.0.0.0/8\n", "10.1.2.3/32 10.0.0.0/8" },
		{ "networks:\n  cluster: '[192.0.2.0/24]'\n", "192.0.2.0/24" },
		{ "networks.cluster: [0.0.0.0/0, 255.255.255.255, 10.0.0.0/8, 10.1.0.0/16]\n",
		  "0.0.0.0/0 255.255.255.255/32 10.0.0.0/8 10.1.0.0/16" },
		{ "networks:\n  cluster: [\"FD00:0:0::/8\", 2001:db8::1:0:0:1/128, \"::ffff:10.0.0.0/104\", fe80::/10]\n",
		  "fd00::/8 2001:db8::1:0:0:1/128 ::ffff:10.0.0.0/104 fe80::/10" },
		{ "networks:\n  cluster: [ 10.0.0.0/8 , 'fc00::/7' ]\n", "10.0.0.0/8 fc00::/7" },
		{ "networks:\n  cluster: [10.0.0.0/32, 10.0.0.0/31, 10.0.0.0/0.0]\n", NULL },
		{ "networks:\n  cluster: []\n", "" },
		{ "networks:\n  cluster:\n", "" },
		{ "networks:\n  cluster: ~\n", "" },
		{ "networks:\n  cluster: null\n", "" },
		{ "networks:\n  cluster: \"\"\n", "" },
		{ "networks:\n  cluster: \"[]\"\n", "" },
		{ "networks: {cluster: [], service: [], node: [], internal: []}\n", "" },
	};
	struct pt_config c, def;
	char err[PT_CONFIG_ERR_LEN] = "", path[TEST_PATH_LEN];

	(void)state;
	pt_config_default(&def);
	for (size_t i = 0; i < PT_ARRAY_LEN(cases); i++) {
		int rc;

		pt_config_default(&c);
		assert_int_equal(pt_config_set(&c, "networks.cluster=1.1.1.1,2.2.2.2,3.3.3.3,::2", err, sizeof(err)), 0);
		rc = test_load_text(&c, cases[i].yaml, strlen(cases[i].yaml), err, path);
		if (cases[i].want == NULL) { /* "/0.0" is no prefix length */
			assert_int_equal(rc, -EINVAL);
			continue;
		}
		if (rc != 0)
			fail_msg("%s: %s", cases[i].yaml, err);
		test_assert_cidrs(&c.networks.cluster, cases[i].want);
		assert_memory_equal(&c.networks.service, &def.networks.service, sizeof(def.networks.service));
	}
	/* The last case emptied every list. */
	test_assert_cidrs(&c.networks.internal, "");
	test_assert_cidrs(&c.networks.node, "");
}

void test_cidr_yaml_errors(void **state)
{
	static const struct yaml_case cases[] = {
		{ "networks:\n  cluster: [10.1.2.3/8]\n", 2, CLUSTER "'10.1.2.3/8' (host bits set; did you mean 10.0.0.0/8?)" },
		{ "networks:\n  cluster:\n    - 10.244.0.0/16\n    - fd00:10:244::1/56\n", 4,
		  CLUSTER "'fd00:10:244::1/56' (host bits set; did you mean fd00:10:244::/56?)" },
		{ "networks:\n  cluster: [10.245.0.0/15]\n", 2,
		  CLUSTER "'10.245.0.0/15' (host bits set; did you mean 10.244.0.0/15?)" },
		{ "networks:\n  cluster: [0.0.0.1/0]\n", 2, CLUSTER "'0.0.0.1/0' (host bits set; did you mean 0.0.0.0/0?)" },
		{ "networks:\n  service: [10.96.0.0/33]\n", 2,
		  "networks.service: " EXPECT "'10.96.0.0/33' (an IPv4 prefix length is 0..32)" },
		{ "networks:\n  node: [\"fd00::/129\"]\n", 2,
		  "networks.node: " EXPECT "'fd00::/129' (an IPv6 prefix length is 0..128)" },
		{ "networks:\n  cluster: [10.0.0.0/]\n", 2, CLUSTER "'10.0.0.0/' (an IPv4 prefix length is 0..32)" },
		{ "networks:\n  cluster: [10.0.0.0/-1]\n", 2, CLUSTER "'10.0.0.0/-1' (an IPv4 prefix length is 0..32)" },
		{ "networks:\n  cluster: [10.0.0.0/+8]\n", 2, CLUSTER "'10.0.0.0/+8' (an IPv4 prefix length is 0..32)" },
		{ "networks:\n  cluster: [10.0.0.0/8/8]\n", 2, CLUSTER "'10.0.0.0/8/8' (an IPv4 prefix length is 0..32)" },
		{ "networks:\n  cluster: [10.0.0.0/ 8]\n", 2, CLUSTER "'10.0.0.0/ 8' (an IPv4 prefix length is 0..32)" },
		{ "networks:\n  cluster: [10.0.0.0/99999999999999999999999]\n", 2,
		  CLUSTER "'10.0.0.0/99999999999999999999999' (an IPv4 prefix length is 0..32)" },
		{ "networks:\n  cluster: [10.0.0.256/8]\n", 2, CLUSTER "'10.0.0.256/8'" NOT_IP },
		{ "networks:\n  cluster: [banana]\n", 2, CLUSTER "'banana'" NOT_IP },
		{ "networks:\n  cluster: [10.0.0/8]\n", 2, CLUSTER "'10.0.0/8'" NOT_IP },
		{ "networks:\n  cluster: [010.0.0.0/8]\n", 2, CLUSTER "'010.0.0.0/8'" NOT_IP },
		{ "networks:\n  cluster: [1.2.3.4.5]\n", 2, CLUSTER "'1.2.3.4.5'" NOT_IP },
		{ "networks:\n  cluster: [\"fd00:::/8\"]\n", 2, CLUSTER "'fd00:::/8'" NOT_IP },
		{ "networks:\n  cluster: [/8]\n", 2, CLUSTER "'/8'" NOT_IP },
		{ "networks:\n  cluster: [' 10.0.0.0/8']\n", 2, CLUSTER "' 10.0.0.0/8'" NOT_IP },
		{ "networks:\n  cluster: [\"10.0.0.0\\t/8\"]\n", 2, CLUSTER "'10.0.0.0?/8'" NOT_IP },
		{ "networks:\n  cluster: [1111:2222:3333:4444:5555:6666:7777:8888:9999/64]\n", 2,
		  CLUSTER "'1111:2222:3333:4444:5555:6666:7777:8888:9999/64'" NOT_IP },
		{ "networks:\n  cluster: [10.0.0.0/8, \"\"]\n", 2, CLUSTER "''" },
		{ "networks:\n  cluster:\n    -\n", 3, CLUSTER "''" },
		{ "networks:\n  cluster: [~]\n", 2, CLUSTER "'~'" NOT_IP },
		{ "networks:\n  cluster: [10.0.0.0/8, 10.0.0.0/8]\n", 2, CLUSTER "10.0.0.0/8 twice" },
		{ "networks:\n  cluster:\n    - 10.0.0.0/8\n    - 192.0.2.0/24\n    - 10.0.0.0/8\n", 5,
		  CLUSTER "10.0.0.0/8 twice" },
		{ "networks:\n  cluster: [\"fd00::/8\", \"FD00:0::/8\"]\n", 2, CLUSTER "fd00::/8 twice" },
		{ "networks:\n  cluster: [10.0.0.1, 10.0.0.1/32]\n", 2, CLUSTER "10.0.0.1/32 twice" },
		{ "networks:\n  cluster: {a: 10.0.0.0/8}\n", 2, CLUSTER "a mapping" },
		{ "networks:\n  cluster: [[10.0.0.0/8]]\n", 2, CLUSTER "a list inside the list" },
		{ "networks:\n  cluster:\n    - 10.0.0.0/8\n    - a: 1\n", 4, CLUSTER "a mapping inside the list" },
		{ "networks:\n  cluster: [\"10.0.0.0/8\\0x\"]\n", 2, CLUSTER "a value containing a NUL byte inside the list" },
		{ "networks:\n  cluster: \"10.0.0.0/8\\0\"\n", 2, CLUSTER "a value containing a NUL byte" },
		{ "networks:\n  cluster: 10.0.0.0/8,,fd00::/8\n", 2, CLUSTER "'10.0.0.0/8,,fd00::/8'" },
		{ "networks:\n  cluster: 10.0.0.0/8,\n", 2, CLUSTER "'10.0.0.0/8,'" },
		{ "networks:\n  cluster: 10.0.0.0/8 10.1.0.0/16\n", 2,
		  CLUSTER "'10.0.0.0/8 10.1.0.0/16' (an IPv4 prefix length is 0..32)" },
		{ "networks: [10.0.0.0/8]\n", 1, "networks: expected a mapping of keys, got a list" },
		{ "networks:\n  clusters: [10.0.0.0/8]\n", 2,
		  "unknown key 'networks.clusters' (did you mean 'networks.cluster'?)" },
		{ "networks:\n  cluster: []\n  cluster: []\n", 3, "duplicate key 'networks.cluster' (first at line 2)" },
		{ "networks:\n  cluster: &c [10.0.0.0/8]\n", 2, "YAML anchors ('&c') are not supported" },
		/* All or nothing: the valid list before the error is not applied either. */
		{ "networks:\n  cluster: [10.244.0.0/16]\n  service: [10.96.0.1/12]\n", 3,
		  "networks.service: " EXPECT "'10.96.0.1/12' (host bits set; did you mean 10.96.0.0/12?)" },
	};

	(void)state;
	test_run_yaml_cases(cases, PT_ARRAY_LEN(cases));
}

void test_cidr_set(void **state)
{
	static const struct { const char *set, *want; } ok[] = {
		{ "networks.cluster=10.244.0.0/16,fd00:244::/56", "10.244.0.0/16 fd00:244::/56" },
		{ "networks.cluster=[10.244.0.0/16]", "10.244.0.0/16" },
		{ "networks.cluster= [ 10.0.0.1 , ::1 ] ", "10.0.0.1/32 ::1/128" },
		{ "networks.cluster=::/0,0.0.0.0/0", "::/0 0.0.0.0/0" },
		{ "networks.cluster=[]", "" },
		{ "networks.cluster=[ ]", "" },
		{ "networks.cluster=", "" },
		{ "networks.cluster=  ", "" },
	};
	static const struct set_case bad[] = {
		{ "networks.cluster=10.1.2.3/8", EXPECT "'10.1.2.3/8' (host bits set; did you mean 10.0.0.0/8?)" },
		{ "networks.service=10.96.0.0/33", EXPECT "'10.96.0.0/33' (an IPv4 prefix length is 0..32)" },
		{ "networks.node=fd00::/129", EXPECT "'fd00::/129' (an IPv6 prefix length is 0..128)" },
		{ "networks.node=10.0.0.0/x", EXPECT "'10.0.0.0/x' (an IPv4 prefix length is 0..32)" },
		{ "networks.internal=banana", EXPECT "'banana'" NOT_IP },
		{ "networks.internal=~", EXPECT "'~'" NOT_IP },
		{ "networks.internal=\"\"", EXPECT "'\"\"'" NOT_IP },
		{ "networks.cluster=10.0.0.0/8,10.0.0.0/8", EXPECT "10.0.0.0/8 twice" },
		{ "networks.cluster=fd00::/8, fd00:0:0::/8", EXPECT "fd00::/8 twice" },
		{ "networks.cluster=10.0.0.0/8,", EXPECT "'10.0.0.0/8,'" },
		{ "networks.cluster=,10.0.0.0/8", EXPECT "',10.0.0.0/8'" },
		{ "networks.cluster=[10.0.0.0/8", EXPECT "'[10.0.0.0/8'" NOT_IP },
		{ "networks.cluster=10.0.0.0/8]", EXPECT "'10.0.0.0/8]' (an IPv4 prefix length is 0..32)" },
		{ "networks.cluster=10.0.0.0/8;10.1.0.0/16", EXPECT "'10.0.0.0/8;10.1.0.0/16' (an IPv4 prefix length is 0..32)" },
		{ "networks=10.0.0.0/8", "'networks' is a section, not a key; set one of its keys" },
		{ "networks.pods=10.0.0.0/8", "unknown key 'networks.pods' (did you mean 'networks.node'?)" },
	};
	char err[PT_CONFIG_ERR_LEN] = "";
	struct pt_config c, def;

	(void)state;
	pt_config_default(&def);
	for (size_t i = 0; i < PT_ARRAY_LEN(ok); i++) {
		pt_config_default(&c);
		assert_int_equal(pt_config_set(&c, "networks.cluster=192.0.2.0/24,198.51.100.0/24", err, sizeof(err)), 0);
		if (pt_config_set(&c, ok[i].set, err, sizeof(err)) != 0)
			fail_msg("%s", err);
		test_assert_cidrs(&c.networks.cluster, ok[i].want);
		assert_memory_equal(&c.networks.internal, &def.networks.internal, sizeof(def.networks.internal));
	}
	/* --set replaces a list from the file. */
	assert_int_equal(pt_config_set(&c, "networks.internal=10.0.0.0/8", err, sizeof(err)), 0);
	test_assert_cidrs(&c.networks.internal, "10.0.0.0/8");
	test_run_set_cases(bad, PT_ARRAY_LEN(bad));
}

/* "10.0.<i>.0/24, " for i in 0..n-1, after @p prefix. */
static void many_cidrs(char *buf, size_t len, const char *prefix, const char *sep, unsigned int n)
{
	size_t used = (size_t)snprintf(buf, len, "%s", prefix);

	for (unsigned int i = 0; i < n; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s10.0.%u.0/24", i ? sep : "", i);
	assert_true(used < len);
}

void test_cidr_limits(void **state)
{
	char err[PT_CONFIG_ERR_LEN] = "", path[TEST_PATH_LEN], buf[4096], want[PT_CONFIG_ERR_LEN + 64], q[72];
	char item[200];
	struct pt_config c, before;

	(void)state;
	/* 64 in YAML, block and flow, and with --set. */
	pt_config_default(&c);
	many_cidrs(buf, sizeof(buf), "networks:\n  node:\n    - ", "\n    - ", 64);
	strcat(buf, "\n");
	if (test_load_text(&c, buf, strlen(buf), err, path) != 0)
		fail_msg("%s", err);
	assert_int_equal(c.networks.node.count, 64);
	assert_int_equal(c.networks.node.net[63].addr[2], 63);
	assert_int_equal(c.networks.node.net[63].prefix_len, 24);
	pt_config_default(&c);
	many_cidrs(buf, sizeof(buf), "networks.node=", ",", 64);
	if (pt_config_set(&c, buf, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(c.networks.node.count, 64);

	/* 65: refused, at the key's line, counting them all. */
	pt_config_default(&c);
	before = c;
	many_cidrs(buf, sizeof(buf), "networks:\n  node:\n    - ", "\n    - ", 65);
	strcat(buf, "\n");
	assert_int_equal(test_load_text(&c, buf, strlen(buf), err, path), -EINVAL);
	snprintf(want, sizeof(want), "%s:2: networks.node: " EXPECT "65 CIDRs", path);
	assert_string_equal(err, want);
	many_cidrs(buf, sizeof(buf), "networks:\n  node: [", ", ", 65);
	strcat(buf, "]\n");
	assert_int_equal(test_load_text(&c, buf, strlen(buf), err, path), -EINVAL);
	snprintf(want, sizeof(want), "%s:2: networks.node: " EXPECT "65 CIDRs", path);
	assert_string_equal(err, want);
	many_cidrs(buf, sizeof(buf), "networks.node=", ",", 65);
	assert_int_equal(pt_config_set(&c, buf, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "--set %s: " EXPECT "65 CIDRs", pt_config_quote(buf, q, sizeof(q)));
	assert_string_equal(err, want);
	/* A bad item past the 64th is still reported as such, on its own line. */
	many_cidrs(buf, sizeof(buf), "networks:\n  node:\n    - ", "\n    - ", 66);
	strcat(buf, "\n    - 10.1.2.3/8\n");
	assert_int_equal(test_load_text(&c, buf, strlen(buf), err, path), -EINVAL);
	snprintf(want, sizeof(want), "%s:69: networks.node: " EXPECT "'10.1.2.3/8' (host bits set; did you mean "
		 "10.0.0.0/8?)", path);
	assert_string_equal(err, want);
	assert_memory_equal(&c, &before, sizeof(c));

	/* An item too long to be a CIDR is quoted cut short, in YAML and with --set. */
	memset(item, '1', sizeof(item) - 1);
	item[sizeof(item) - 1] = '\0';
	snprintf(buf, sizeof(buf), "networks:\n  node: [%s]\n", item);
	assert_int_equal(test_load_text(&c, buf, strlen(buf), err, path), -EINVAL);
	snprintf(want, sizeof(want), "%s:2: networks.node: " EXPECT "'%.60s...'" NOT_IP, path, item);
	assert_string_equal(err, want);
	snprintf(buf, sizeof(buf), "networks.node=10.0.0.0/8,%s", item);
	assert_int_equal(pt_config_set(&c, buf, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "--set %s: " EXPECT "'%.60s...'", pt_config_quote(buf, q, sizeof(q)), item);
	assert_string_equal(err, want);
	assert_memory_equal(&c, &before, sizeof(c));
}

void test_new_key_ranges(void **state)
{
	static const struct yaml_case cases[] = {
		{ "dpi:\n  enabled: 2\n", 2, "dpi.enabled: expected a boolean (true/false, yes/no, on/off), got '2'" },
		{ "dpi:\n  max_packets: 0\n", 2, "dpi.max_packets: expected an integer in 1..1000, got '0'" },
		{ "dpi:\n  max_packets: 1001\n", 2, "dpi.max_packets: expected an integer in 1..1000, got '1001'" },
		{ "dpi:\n  max_flows: 1023\n", 2, "dpi.max_flows: expected an integer in 1024..4194304, got '1023'" },
		{ "dpi:\n  max_flows: 4194305\n", 2, "dpi.max_flows: expected an integer in 1024..4194304, got '4194305'" },
		{ "dns:\n  cache_size: 1023\n", 2, "dns.cache_size: expected an integer in 1024..16777216, got '1023'" },
		{ "dns:\n  cache_size: 16777217\n", 2,
		  "dns.cache_size: expected an integer in 1024..16777216, got '16777217'" },
		{ "dns:\n  ttl_floor: 3601\n", 2, "dns.ttl_floor: expected a duration in 0s..1h, got '3601'" },
		{ "dns:\n  ttl_floor: 1.5h\n", 2, "dns.ttl_floor: expected a duration in 0s..1h, got '1.5h'" },
		{ "dns:\n  ttl_floor: -1\n", 2, "dns.ttl_floor: expected a duration in 0s..1h, got '-1'" },
		{ "dns:\n  ttl_cap: 0\n", 2, "dns.ttl_cap: expected a duration in 1s..7d, got '0'" },
		{ "dns:\n  ttl_cap: 999ms\n", 2, "dns.ttl_cap: expected a duration in 1s..7d, got '999ms'" },
		{ "dns:\n  ttl_cap: 8d\n", 2, "dns.ttl_cap: expected a duration in 1s..7d, got '8d'" },
		{ "dns:\n  ttl_cap: 604801\n", 2, "dns.ttl_cap: expected a duration in 1s..7d, got '604801'" },
		{ "geo:\n  cache_size: 1023\n", 2, "geo.cache_size: expected an integer in 1024..16777216, got '1023'" },
		{ "geo:\n  cache_size: 16777217\n", 2,
		  "geo.cache_size: expected an integer in 1024..16777216, got '16777217'" },
		{ "geo:\n  reload_interval: 500ms\n", 2,
		  "geo.reload_interval: expected 0 or a duration in 1s..24h, got '500ms'" },
		{ "geo:\n  reload_interval: 25h\n", 2, "geo.reload_interval: expected 0 or a duration in 1s..24h, got '25h'" },
		{ "geo:\n  asn_db: [a]\n", 2, "geo.asn_db: expected a string of at most 255 characters, got a list" },
		{ "geo:\n  country_mmdb: x\n", 2, "unknown key 'geo.country_mmdb' (did you mean 'geo.country_db'?)" },
		{ "identity:\n  resync_interval: 0\n", 2, "identity.resync_interval: expected a duration in 1s..7d, got '0'" },
		{ "identity:\n  resync_interval: 8d\n", 2, "identity.resync_interval: expected a duration in 1s..7d, got '8d'" },
		{ "identity:\n  max_entries: 15\n", 2, "identity.max_entries: expected an integer in 16..16777216, got '15'" },
		{ "identity:\n  max_entries: 16777217\n", 2,
		  "identity.max_entries: expected an integer in 16..16777216, got '16777217'" },
		{ "identity:\n  max_entry: 20\n", 2, "unknown key 'identity.max_entry' (did you mean 'identity.max_entries'?)" },
	};
	static const struct set_case bad[] = {
		{ "dpi.max_packets=1001", "expected an integer in 1..1000, got '1001'" },
		{ "dns.ttl_cap=8d", "expected a duration in 1s..7d, got '8d'" },
		{ "dns.ttl_floor=2h", "expected a duration in 0s..1h, got '2h'" },
		{ "geo.reload_interval=0.5", "expected 0 or a duration in 1s..24h, got '0.5'" },
		{ "geo.cache_size=", "expected an integer in 1024..16777216, got ''" },
		{ "identity.enabled=maybe", "expected a boolean (true/false, yes/no, on/off), got 'maybe'" },
	};
	static const char edges[] =
		"dpi: {enabled: no, max_packets: 1, max_flows: 4194304}\n"
		"dns: {cache_size: 1024, ttl_floor: 1h, ttl_cap: 1s}\n" /* the floor above the cap is accepted */
		"geo: {cache_size: 16777216, reload_interval: 24h, country_db: ~, asn_db: \"\"}\n";
	char err[PT_CONFIG_ERR_LEN] = "", path[TEST_PATH_LEN];
	struct pt_config c;

	(void)state;
	test_run_yaml_cases(cases, PT_ARRAY_LEN(cases));
	test_run_set_cases(bad, PT_ARRAY_LEN(bad));
	pt_config_default(&c);
	if (test_load_text(&c, edges, strlen(edges), err, path) != 0)
		fail_msg("%s", err);
	assert_false(c.dpi.enabled);
	assert_int_equal(c.dpi.max_packets, 1);
	assert_int_equal(c.dpi.max_flows, 4194304);
	assert_int_equal(c.dns.cache_size, 1024);
	assert_int_equal(c.dns.ttl_floor_ns, 3600 * SEC);
	assert_int_equal(c.dns.ttl_cap_ns, SEC);
	assert_int_equal(c.geo.cache_size, 16777216);
	assert_int_equal(c.geo.reload_interval_ns, 86400 * SEC);
	assert_string_equal(c.geo.country_db, "");
	assert_string_equal(c.geo.asn_db, "");
	assert_int_equal(pt_config_set(&c, "dns.ttl_cap=604800", err, sizeof(err)), 0);
	assert_int_equal(c.dns.ttl_cap_ns, 7 * 86400 * SEC);
	assert_int_equal(pt_config_set(&c, "geo.reload_interval=1s", err, sizeof(err)), 0);
	assert_int_equal(c.geo.reload_interval_ns, SEC);
}
