/* SPDX-License-Identifier: BSD-3-Clause */
/* test_identity.c - Unit tests for lib/identity: longest-prefix scopes over the configured networks, directions. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pt_identity.h"

static void add(struct pt_config_cidrs *list, const char *text, unsigned prefix)
{
	struct pt_config_cidr *c = &list->net[list->count++];

	memset(c, 0, sizeof(*c));
	c->ip_version = strchr(text, ':') ? 6 : 4;
	c->prefix_len = (uint8_t)prefix;
	assert_int_equal(inet_pton(c->ip_version == 6 ? AF_INET6 : AF_INET, text, c->addr), 1);
}

static enum pt_identity_scope scope(const struct pt_identity_networks *n, const char *text)
{
	uint8_t addr[16] = { 0 };
	uint8_t v = strchr(text, ':') ? 6 : 4;

	assert_int_equal(inet_pton(v == 6 ? AF_INET6 : AF_INET, text, addr), 1);
	return pt_identity_scope_of(n, v, addr);
}

static struct pt_identity_networks *make(void)
{
	struct pt_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	add(&cfg.networks.internal, "10.0.0.0", 8);
	add(&cfg.networks.internal, "192.168.0.0", 16);
	add(&cfg.networks.internal, "fc00::", 7);
	add(&cfg.networks.internal, "127.0.0.1", 32);
	add(&cfg.networks.cluster, "10.244.0.0", 16);
	add(&cfg.networks.service, "10.96.0.0", 12);
	add(&cfg.networks.node, "192.168.10.0", 24);
	add(&cfg.networks.node, "10.244.5.0", 24);     /* more specific than the pod range around it */
	add(&cfg.networks.cluster, "fd00:244::", 56);
	return pt_identity_networks_create(&cfg);
}

static void test_scopes(void **state)
{
	struct pt_identity_networks *n = make();

	(void)state;
	assert_non_null(n);
	assert_int_equal(scope(n, "10.244.1.10"), PT_SCOPE_POD);
	assert_int_equal(scope(n, "10.244.5.1"), PT_SCOPE_NODE);        /* longest prefix wins */
	assert_int_equal(scope(n, "10.96.0.10"), PT_SCOPE_SERVICE);
	assert_int_equal(scope(n, "10.111.255.255"), PT_SCOPE_SERVICE);
	assert_int_equal(scope(n, "10.112.0.0"), PT_SCOPE_INTERNAL);
	assert_int_equal(scope(n, "192.168.10.7"), PT_SCOPE_NODE);
	assert_int_equal(scope(n, "192.168.11.7"), PT_SCOPE_INTERNAL);
	assert_int_equal(scope(n, "127.0.0.1"), PT_SCOPE_INTERNAL);
	assert_int_equal(scope(n, "127.0.0.2"), PT_SCOPE_EXTERNAL);
	assert_int_equal(scope(n, "203.0.113.10"), PT_SCOPE_EXTERNAL);
	assert_int_equal(scope(n, "11.0.0.1"), PT_SCOPE_EXTERNAL);
	assert_int_equal(scope(n, "fd00:244::5"), PT_SCOPE_POD);
	assert_int_equal(scope(n, "fd00:245::5"), PT_SCOPE_INTERNAL);
	assert_int_equal(scope(n, "2001:db8::1"), PT_SCOPE_EXTERNAL);
	assert_int_equal(scope(n, "::ffff:10.244.1.10"), PT_SCOPE_POD);     /* IPv4-mapped: its IPv4 address */
	assert_int_equal(scope(n, "::ffff:203.0.113.1"), PT_SCOPE_EXTERNAL);
	/* An IPv4 network never matches an IPv6 address with the same leading bytes. */
	assert_int_equal(scope(n, "a00::1"), PT_SCOPE_EXTERNAL);
	pt_identity_networks_free(n);
	pt_identity_networks_free(NULL);
}

static void test_equal_prefix_prefers_specific_list(void **state)
{
	struct pt_config cfg;
	struct pt_identity_networks *n;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	add(&cfg.networks.internal, "10.244.0.0", 16);
	add(&cfg.networks.cluster, "10.244.0.0", 16);
	n = pt_identity_networks_create(&cfg);
	assert_int_equal(scope(n, "10.244.3.3"), PT_SCOPE_POD);
	pt_identity_networks_free(n);
}

static void test_empty_and_default_route(void **state)
{
	struct pt_config cfg;
	struct pt_identity_networks *n;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	n = pt_identity_networks_create(&cfg);
	assert_int_equal(scope(n, "10.0.0.1"), PT_SCOPE_EXTERNAL);
	pt_identity_networks_free(n);
	add(&cfg.networks.internal, "0.0.0.0", 0);
	n = pt_identity_networks_create(&cfg);
	assert_int_equal(scope(n, "8.8.8.8"), PT_SCOPE_INTERNAL);
	assert_int_equal(scope(n, "2001:db8::1"), PT_SCOPE_EXTERNAL);
	pt_identity_networks_free(n);
}

static void test_directions(void **state)
{
	(void)state;
	assert_int_equal(pt_identity_direction_of(PT_SCOPE_POD, PT_SCOPE_SERVICE), PT_DIRECTION_INTERNAL);
	assert_int_equal(pt_identity_direction_of(PT_SCOPE_POD, PT_SCOPE_EXTERNAL), PT_DIRECTION_OUTBOUND);
	assert_int_equal(pt_identity_direction_of(PT_SCOPE_EXTERNAL, PT_SCOPE_NODE), PT_DIRECTION_INBOUND);
	assert_int_equal(pt_identity_direction_of(PT_SCOPE_EXTERNAL, PT_SCOPE_EXTERNAL), PT_DIRECTION_EXTERNAL);
	assert_string_equal(pt_identity_direction_name(PT_DIRECTION_OUTBOUND), "outbound");
	assert_string_equal(pt_identity_scope_name(PT_SCOPE_POD), "pod");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scopes),
		cmocka_unit_test(test_equal_prefix_prefers_specific_list),
		cmocka_unit_test(test_empty_and_default_route),
		cmocka_unit_test(test_directions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
