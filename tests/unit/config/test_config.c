/* SPDX-License-Identifier: BSD-3-Clause */
/* test_config.c - Unit tests for lib/config: defaults, the default file, every type from YAML and --set, durations. */
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

#define SEC 1000000000ULL

int test_load_text(struct pt_config *cfg, const char *text, size_t len, char *err, char path[TEST_PATH_LEN])
{
	int fd, rc;

	snprintf(path, TEST_PATH_LEN, "/tmp/pt_config_test_XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	rc = pt_config_load_file(cfg, path, err, PT_CONFIG_ERR_LEN);
	unlink(path);
	return rc;
}

/* Every key's field is equal (strings over the whole buffer, ports with their count). */
void test_assert_keys_equal(const struct pt_config *a, const struct pt_config *b)
{
	for (size_t i = 0; i < pt_config_schema_len; i++) {
		const struct pt_config_key *k = &pt_config_schema[i];

		if (memcmp((const char *)a + k->offset, (const char *)b + k->offset, k->size) != 0)
			fail_msg("key %s differs", k->path);
		if (k->type == PT_CONFIG_T_PORTS &&
		    memcmp((const char *)a + k->count_offset, (const char *)b + k->count_offset, sizeof(uint32_t)))
			fail_msg("key %s differs in count", k->path);
	}
}

static char *read_env_file(const char *var, size_t *len)
{
	const char *path = getenv(var);
	char *buf;
	FILE *f;
	long n;

	if (path == NULL)
		fail_msg("%s is not set (run through meson test)", var);
	f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void test_defaults(void **state)
{
	struct pt_config c;

	(void)state;
	memset(&c, 0x5a, sizeof(c));
	pt_config_default(&c);
	assert_string_equal(c.sensor.name, "");
	assert_string_equal(c.log.level, "info");
	assert_int_equal(c.capture.workers, 0);
	assert_int_equal(c.capture.rx_descriptors, 1024);
	assert_int_equal(c.capture.mbufs, 16383);
	assert_int_equal(c.capture.mbuf_cache, 256);
	assert_int_equal(c.capture.mbuf_size, 2048);
	assert_int_equal(c.capture.coalesce_us, 10);
	assert_true(c.capture.rss);
	assert_true(c.capture.promiscuous);
	assert_int_equal(c.capture.snaplen, 65535);
	assert_string_equal(c.capture.bpf_filter, "");
	assert_true(c.decode.decapsulate);
	assert_int_equal(c.decode.n_vxlan_ports, 2);
	assert_int_equal(c.decode.vxlan_ports[0], 4789);
	assert_int_equal(c.decode.vxlan_ports[1], 8472);
	assert_int_equal(c.decode.vxlan_ports[2], 0);
	assert_int_equal(c.decode.geneve_port, 6081);
	assert_int_equal(c.decode.fragment_table_size, 4096);
	assert_int_equal(c.flow.max_flows, 262144);
	assert_int_equal(c.flow.timeout_tcp_opening_ns, 30 * SEC);
	assert_int_equal(c.flow.timeout_tcp_established_ns, 300 * SEC);
	assert_int_equal(c.flow.timeout_tcp_closed_ns, 5 * SEC);
	assert_int_equal(c.flow.timeout_udp_ns, 60 * SEC);
	assert_int_equal(c.flow.timeout_icmp_ns, 30 * SEC);
	assert_int_equal(c.flow.timeout_other_ns, 60 * SEC);
	assert_int_equal(c.flow.update_interval_ns, 60 * SEC);
	assert_int_equal(c.flow.record_ring_size, 16384);
	assert_string_equal(c.output.flows, "");
	assert_string_equal(c.output.alerts, "");
	assert_true(c.redis.enabled);
	assert_string_equal(c.redis.url, "redis://127.0.0.1:6379");
	assert_string_equal(c.redis.prefix, "podtap:");
	assert_int_equal(c.stats.interval_ns, 10 * SEC);
	test_assert_cidrs(&c.networks.internal, "10.0.0.0/8 172.16.0.0/12 192.168.0.0/16 100.64.0.0/10 "
			  "169.254.0.0/16 127.0.0.0/8 0.0.0.0/8 224.0.0.0/4 255.255.255.255/32 fc00::/7 fe80::/10 ::1/128 ::/128 "
			  "ff00::/8");
	test_assert_cidrs(&c.networks.cluster, "");
	test_assert_cidrs(&c.networks.service, "");
	test_assert_cidrs(&c.networks.node, "");
	assert_true(c.dpi.enabled);
	assert_int_equal(c.dpi.max_packets, 32);
	assert_int_equal(c.dpi.max_flows, 16384);
	assert_int_equal(c.dpi.shed_backlog_percent, 50);
	assert_int_equal(c.dns.cache_size, 65536);
	assert_int_equal(c.dns.ttl_floor_ns, 30 * SEC);
	assert_int_equal(c.dns.ttl_cap_ns, 3600 * SEC);
	assert_string_equal(c.geo.country_db, "/var/lib/podtap/geoip/country.mmdb");
	assert_string_equal(c.geo.asn_db, "/var/lib/podtap/geoip/asn.mmdb");
	assert_int_equal(c.geo.cache_size, 65536);
	assert_int_equal(c.geo.reload_interval_ns, 60 * SEC);
	assert_true(c.identity.enabled);
	assert_int_equal(c.identity.resync_interval_ns, 300 * SEC);
	assert_int_equal(c.identity.max_entries, 1048576);
}

/* The table itself: unique paths, field sizes that hold the bounds, defaults that parse. */
static void test_schema(void **state)
{
	char problem[PT_CONFIG_PROBLEM_LEN];
	struct pt_config c;

	(void)state;
	memset(&c, 0, sizeof(c));
	for (size_t i = 0; i < pt_config_schema_len; i++) {
		const struct pt_config_key *k = &pt_config_schema[i];

		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(k->path, pt_config_schema[j].path);
		assert_true(k->offset + k->size <= sizeof(struct pt_config));
		assert_true(k->min <= k->max);
		if (k->type == PT_CONFIG_T_UINT)
			assert_true(k->size == 8 || k->max < (1ULL << (8 * k->size)));
		if (k->type == PT_CONFIG_T_DURATION)
			assert_int_equal(k->size, sizeof(uint64_t));
		if (k->type == PT_CONFIG_T_STRING || k->type == PT_CONFIG_T_ENUM)
			assert_true(k->max < k->size || k->type == PT_CONFIG_T_ENUM);
		if (k->type == PT_CONFIG_T_PORTS)
			assert_true(k->max <= PT_CONFIG_MAX_PORTS && k->max * sizeof(uint16_t) <= k->size);
		if (k->type == PT_CONFIG_T_CIDRS)
			assert_true(k->max <= PT_CONFIG_MAX_CIDRS && k->size == sizeof(struct pt_config_cidrs));
		assert_int_equal(pt_config_key_is_list(k), k->type == PT_CONFIG_T_PORTS || k->type == PT_CONFIG_T_CIDRS);
		if (pt_config_key_apply(&c, k, k->def, false, problem, sizeof(problem)) != 0)
			fail_msg("default of %s: %s", k->path, problem);
		assert_ptr_equal(pt_config_key_find(k->path), k);
	}
	assert_true(pt_config_schema_len < 128); /* the loader's duplicate list (256) holds keys and sections */
}

static void test_default_file(void **state)
{
	struct pt_config def, poisoned, onto_default;
	char err[PT_CONFIG_ERR_LEN] = "";
	const char *path = getenv("PT_CONFIG_DEFAULT_YAML");

	(void)state;
	assert_non_null(path);
	pt_config_default(&def);
	/* Every key present: loading onto garbage must overwrite every field with its default. */
	memset(&poisoned, 0x5a, sizeof(poisoned));
	if (pt_config_load_file(&poisoned, path, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	test_assert_keys_equal(&poisoned, &def);
	pt_config_default(&onto_default);
	assert_int_equal(pt_config_load_file(&onto_default, path, err, sizeof(err)), 0);
	assert_memory_equal(&onto_default, &def, sizeof(def));
}

static void test_doc_lists_every_key(void **state)
{
	char needle[PT_CONFIG_PATH_LEN + 2];
	size_t len;
	char *doc = read_env_file("PT_CONFIG_DOC", &len);

	(void)state;
	for (size_t i = 0; i < pt_config_schema_len; i++) {
		snprintf(needle, sizeof(needle), "`%s`", pt_config_schema[i].path);
		if (strstr(doc, needle) == NULL)
			fail_msg("docs/configuration.md does not document %s", needle);
	}
	free(doc);
}

/* Every key set to a non-default value, once in YAML and once with --set: both must agree. */
static const char all_keys_yaml[] =
	"sensor:\n  name: edge-1\n"
	"log: {level: DEBUG}\n"
	"capture:\n  workers: 4\n  rx_descriptors: 4096\n  mbufs: \"65535\"\n  mbuf_cache: 0\n  mbuf_size: 256\n"
	"  coalesce_us: 0\n"
	"  rss: no\n  promiscuous: Off\n  snaplen: 262144\n  bpf_filter: 'not port 22'\n"
	"decode:\n  decapsulate: FALSE\n  vxlan_ports:\n    - 4790\n    - 1\n    - 65535\n    - 8472\n"
	"  geneve_port: 0\n  fragment_table_size: 1048576\n"
	"flow:\n  max_flows: 1024\n"
	"  timeouts:\n    tcp_opening: 1500ms\n    tcp_established: 2h\n    tcp_closed: 1\n"
	"    udp: 1.5\n    icmp: 1d\n    other: 2.5m\n"
	"  update_interval: 0\n  record_ring_size: 4194304\n"
	"output: {flows: '-', alerts: /var/log/podtap/alerts.json}\n"
	"redis:\n  enabled: off\n  url: unix:///run/redis.sock\n  prefix: p\n  flows_stream: yes\n"
	"stats.interval: 24h\n"
	"networks:\n  internal: [10.0.0.0/8]\n  cluster:\n    - 10.244.0.0/16\n    - fd00:10:244::/56\n"
	"  service: 10.96.0.0/12\n  node: [192.168.10.5, \"::1\", 0.0.0.0/0]\n"
	"dpi: {enabled: off, max_packets: 1000, max_flows: 1024, shed_backlog_percent: 0}\n"
	"dns: {cache_size: 16777216, ttl_floor: 0, ttl_cap: 7d}\n"
	"geo:\n  country_db: ''\n  asn_db: /srv/asn.mmdb\n  cache_size: 1024\n  reload_interval: 0\n"
	"identity: {enabled: no, resync_interval: 90s, max_entries: 16, stale_after: 2s}\n"
	"alerts:\n  spool_dir: /srv/spool\n  spool_max_kb: 64\n  stream_maxlen: 5\n  dedup_window: 0\n"
	"  rate_limit: 0\n  rate_burst: 1000000\n  test_port: 40000\n  test_per_flow: yes\n"
	"baseline: {enabled: no, learning_period: 90m, max_edges: 16, max_workloads: 20, sync_interval: 250ms}\n"
	"detect:\n  new_external: {enabled: no}\n"
	"  scan: {enabled: no, window: 1m, vertical_ports: 3, horizontal_hosts: 64, trw: no, max_sources: 16,\n"
	"         exempt_labels: 'app=prometheus,k8s-app=kube-dns', loss_holdoff: 0}\n"
	"  lateral: {enabled: no, fanout_peers: 2, fanout_window: 1h, sensitive_ports: [22, 6443]}\n";

static const char *const all_keys_set[] = {
	"sensor.name=edge-1", "log.level=DEBUG", "capture.workers=4", "capture.rx_descriptors=4096",
	"capture.mbufs=65535", "capture.mbuf_cache=0", "capture.mbuf_size=256", "capture.coalesce_us=0",
	"capture.rss=no",
	"capture.promiscuous=Off",
	"capture.snaplen=262144", "capture.bpf_filter=not port 22", "decode.decapsulate=FALSE",
	"decode.vxlan_ports=[4790, 1,65535 , 8472]", "decode.geneve_port=0",
	"decode.fragment_table_size=1048576", "flow.max_flows=1024", "flow.timeouts.tcp_opening=1500ms",
	"flow.timeouts.tcp_established=2h", "flow.timeouts.tcp_closed=1", "flow.timeouts.udp=1.5",
	"flow.timeouts.icmp=1d", "flow.timeouts.other=2.5m", "flow.update_interval=0",
	"flow.record_ring_size=4194304", "output.flows=-", "output.alerts=/var/log/podtap/alerts.json",
	"redis.enabled=off", "redis.url=unix:///run/redis.sock", " redis.prefix = p ", "redis.flows_stream=yes", "stats.interval=24h",
	"networks.internal=10.0.0.0/8", "networks.cluster=[10.244.0.0/16, fd00:10:244::/56]",
	"networks.service=10.96.0.0/12", "networks.node=192.168.10.5,::1 ,0.0.0.0/0", "dpi.enabled=off",
	"dpi.max_packets=1000", "dpi.max_flows=1024", "dpi.shed_backlog_percent=0", "dns.cache_size=16777216", "dns.ttl_floor=0",
	"dns.ttl_cap=7d", "geo.country_db=", "geo.asn_db=/srv/asn.mmdb", "geo.cache_size=1024",
	"geo.reload_interval=0", "identity.enabled=no", "identity.resync_interval=90s", "identity.max_entries=16",
	"identity.stale_after=2s", "alerts.spool_dir=/srv/spool", "alerts.spool_max_kb=64", "alerts.stream_maxlen=5", "alerts.dedup_window=0",
	"alerts.rate_limit=0", "alerts.rate_burst=1000000", "alerts.test_port=40000", "alerts.test_per_flow=yes",
	"baseline.enabled=no", "baseline.learning_period=90m", "baseline.max_edges=16", "baseline.max_workloads=20",
	"baseline.sync_interval=250ms", "detect.new_external.enabled=no", "detect.scan.enabled=no",
	"detect.scan.window=1m", "detect.scan.vertical_ports=3", "detect.scan.horizontal_hosts=64", "detect.scan.trw=no",
	"detect.scan.max_sources=16", "detect.scan.exempt_labels=app=prometheus,k8s-app=kube-dns",
	"detect.scan.loss_holdoff=0", "detect.lateral.enabled=no", "detect.lateral.fanout_peers=2",
	"detect.lateral.fanout_window=1h", "detect.lateral.sensitive_ports=22,6443",
};

static void check_all_keys(const struct pt_config *c)
{
	assert_string_equal(c->sensor.name, "edge-1");
	assert_string_equal(c->log.level, "debug");
	assert_int_equal(c->capture.workers, 4);
	assert_int_equal(c->capture.rx_descriptors, 4096);
	assert_int_equal(c->capture.mbufs, 65535);
	assert_int_equal(c->capture.mbuf_cache, 0);
	assert_int_equal(c->capture.mbuf_size, 256);
	assert_int_equal(c->capture.coalesce_us, 0);
	assert_false(c->capture.rss);
	assert_false(c->capture.promiscuous);
	assert_int_equal(c->capture.snaplen, 262144);
	assert_string_equal(c->capture.bpf_filter, "not port 22");
	assert_false(c->decode.decapsulate);
	assert_int_equal(c->decode.n_vxlan_ports, 4);
	assert_int_equal(c->decode.vxlan_ports[0], 4790);
	assert_int_equal(c->decode.vxlan_ports[1], 1);
	assert_int_equal(c->decode.vxlan_ports[2], 65535);
	assert_int_equal(c->decode.vxlan_ports[3], 8472);
	assert_int_equal(c->decode.geneve_port, 0);
	assert_int_equal(c->decode.fragment_table_size, 1048576);
	assert_int_equal(c->flow.max_flows, 1024);
	assert_int_equal(c->flow.timeout_tcp_opening_ns, 1500000000ULL);
	assert_int_equal(c->flow.timeout_tcp_established_ns, 7200 * SEC);
	assert_int_equal(c->flow.timeout_tcp_closed_ns, SEC);
	assert_int_equal(c->flow.timeout_udp_ns, 1500000000ULL);
	assert_int_equal(c->flow.timeout_icmp_ns, 86400 * SEC);
	assert_int_equal(c->flow.timeout_other_ns, 150 * SEC);
	assert_int_equal(c->flow.update_interval_ns, 0);
	assert_int_equal(c->flow.record_ring_size, 4194304);
	assert_string_equal(c->output.flows, "-");
	assert_string_equal(c->output.alerts, "/var/log/podtap/alerts.json");
	assert_false(c->redis.enabled);
	assert_string_equal(c->redis.url, "unix:///run/redis.sock");
	assert_string_equal(c->redis.prefix, "p");
	assert_true(c->redis.flows_stream);
	assert_int_equal(c->stats.interval_ns, 86400 * SEC);
	test_assert_cidrs(&c->networks.internal, "10.0.0.0/8");
	test_assert_cidrs(&c->networks.cluster, "10.244.0.0/16 fd00:10:244::/56");
	test_assert_cidrs(&c->networks.service, "10.96.0.0/12");
	test_assert_cidrs(&c->networks.node, "192.168.10.5/32 ::1/128 0.0.0.0/0");
	assert_false(c->dpi.enabled);
	assert_int_equal(c->dpi.max_packets, 1000);
	assert_int_equal(c->dpi.max_flows, 1024);
	assert_int_equal(c->dpi.shed_backlog_percent, 0);
	assert_int_equal(c->dns.cache_size, 16777216);
	assert_int_equal(c->dns.ttl_floor_ns, 0);
	assert_int_equal(c->dns.ttl_cap_ns, 7 * 86400 * SEC);
	assert_string_equal(c->geo.country_db, "");
	assert_string_equal(c->geo.asn_db, "/srv/asn.mmdb");
	assert_int_equal(c->geo.cache_size, 1024);
	assert_int_equal(c->geo.reload_interval_ns, 0);
	assert_false(c->identity.enabled);
	assert_int_equal(c->identity.resync_interval_ns, 90 * SEC);
	assert_int_equal(c->identity.max_entries, 16);
	assert_int_equal(c->identity.stale_after_ns, 2 * SEC);
	assert_string_equal(c->alerts.spool_dir, "/srv/spool");
	assert_int_equal(c->alerts.spool_max_kb, 64);
	assert_int_equal(c->alerts.stream_maxlen, 5);
	assert_int_equal(c->alerts.dedup_window_ns, 0);
	assert_int_equal(c->alerts.rate_limit, 0);
	assert_int_equal(c->alerts.rate_burst, 1000000);
	assert_int_equal(c->alerts.test_port, 40000);
	assert_true(c->alerts.test_per_flow);
	assert_false(c->baseline.enabled);
	assert_int_equal(c->baseline.learning_period_ns, 90 * 60 * SEC);
	assert_int_equal(c->baseline.max_edges, 16);
	assert_int_equal(c->baseline.max_workloads, 20);
	assert_int_equal(c->baseline.sync_interval_ns, SEC / 4);
	assert_false(c->detect.new_external.enabled);
	assert_false(c->detect.scan.enabled);
	assert_int_equal(c->detect.scan.window_ns, 60 * SEC);
	assert_int_equal(c->detect.scan.vertical_ports, 3);
	assert_int_equal(c->detect.scan.horizontal_hosts, 64);
	assert_false(c->detect.scan.trw);
	assert_int_equal(c->detect.scan.max_sources, 16);
	assert_string_equal(c->detect.scan.exempt_labels, "app=prometheus,k8s-app=kube-dns");
	assert_int_equal(c->detect.scan.loss_holdoff_ns, 0);
	assert_false(c->detect.lateral.enabled);
	assert_int_equal(c->detect.lateral.fanout_peers, 2);
	assert_int_equal(c->detect.lateral.fanout_window_ns, 3600 * SEC);
	assert_int_equal(c->detect.lateral.n_sensitive_ports, 2);
	assert_int_equal(c->detect.lateral.sensitive_ports[1], 6443);
}

static void test_every_key_yaml_and_set(void **state)
{
	struct pt_config from_yaml, from_set;
	char err[PT_CONFIG_ERR_LEN] = "", path[TEST_PATH_LEN];

	(void)state;
	assert_int_equal(PT_ARRAY_LEN(all_keys_set), pt_config_schema_len);
	pt_config_default(&from_yaml);
	if (test_load_text(&from_yaml, all_keys_yaml, strlen(all_keys_yaml), err, path) != 0)
		fail_msg("%s", err);
	check_all_keys(&from_yaml);
	pt_config_default(&from_set);
	for (size_t i = 0; i < PT_ARRAY_LEN(all_keys_set); i++)
		if (pt_config_set(&from_set, all_keys_set[i], err, sizeof(err)) != 0)
			fail_msg("%s", err);
	check_all_keys(&from_set);
	assert_memory_equal(&from_yaml, &from_set, sizeof(from_set));
}

/* Other spellings: flow-style lists, a scalar list, nulls for strings, YAML integers as seconds. */
static void test_yaml_forms(void **state)
{
	static const char yaml[] =
		"# comment\n---\n"
		"sensor: {name: ~}\n"
		"capture:\n  bpf_filter:\n  rss: YES\n"
		"decode:\n  vxlan_ports: [ 4789 ]\n  geneve_port: \"6082\"\n"
		"flow:\n  timeouts: {udp: 90, icmp: \"45\"}\n"
		"output:\n  flows: null\n"
		"redis:\n  url: >-\n    redis://10.0.0.1:6380/2\n"
		"stats:\n"
		"...\n";
	static const char scalar_list[] = "decode:\n  vxlan_ports: 4789, 4790\n";
	struct pt_config c;
	char err[PT_CONFIG_ERR_LEN] = "", path[TEST_PATH_LEN];

	(void)state;
	pt_config_default(&c);
	snprintf(c.sensor.name, sizeof(c.sensor.name), "old");
	snprintf(c.output.flows, sizeof(c.output.flows), "old");
	if (test_load_text(&c, yaml, strlen(yaml), err, path) != 0)
		fail_msg("%s", err);
	assert_string_equal(c.sensor.name, "");
	assert_string_equal(c.capture.bpf_filter, "");
	assert_true(c.capture.rss);
	assert_int_equal(c.decode.n_vxlan_ports, 1);
	assert_int_equal(c.decode.vxlan_ports[0], 4789);
	assert_int_equal(c.decode.vxlan_ports[1], 0);
	assert_int_equal(c.decode.geneve_port, 6082);
	assert_int_equal(c.flow.timeout_udp_ns, 90 * SEC);
	assert_int_equal(c.flow.timeout_icmp_ns, 45 * SEC);
	assert_string_equal(c.output.flows, "");
	assert_string_equal(c.redis.url, "redis://10.0.0.1:6380/2");
	assert_int_equal(c.stats.interval_ns, 10 * SEC);
	assert_int_equal(test_load_text(&c, scalar_list, strlen(scalar_list), err, path), 0);
	assert_int_equal(c.decode.n_vxlan_ports, 2);
	assert_int_equal(c.decode.vxlan_ports[1], 4790);
}

static void test_empty_files(void **state)
{
	static const char *const texts[] = { "", "# only a comment\n", "---\n", "\n\n", "--- ~\n", "{}\n" };
	struct pt_config c, def;
	char err[PT_CONFIG_ERR_LEN] = "", path[TEST_PATH_LEN];

	(void)state;
	pt_config_default(&def);
	for (size_t i = 0; i < PT_ARRAY_LEN(texts); i++) {
		pt_config_default(&c);
		if (test_load_text(&c, texts[i], strlen(texts[i]), err, path) != 0)
			fail_msg("'%s': %s", texts[i], err);
		assert_memory_equal(&c, &def, sizeof(c));
	}
}

static void test_duration(void **state)
{
	static const struct { const char *text; uint64_t ns; } ok[] = {
		{ "0", 0 }, { "30", 30 * SEC }, { "1.5", 1500000000ULL }, { "500ms", 500000000ULL },
		{ "1ms", 1000000ULL }, { "0.5ms", 500000ULL }, { "5s", 5 * SEC }, { "5m", 300 * SEC },
		{ "24h", 86400 * SEC }, { "2d", 172800 * SEC }, { "1.25h", 4500 * SEC }, { "007s", 7 * SEC },
		{ "0.000000001", 1 }, { "0.0000000019", 1 }, { "18446744073", 18446744073 * SEC },
		{ "213503d", 213503ULL * 86400 * SEC },
	};
	static const char *const bad[] = {
		"", "s", "-1", "+1", "1.", ".5", "1.5.2", "1x", "1 s", " 1", "1s ", "1S", "1sec", "1e3", "1us",
		"18446744074", "213504d", "99999999999999999999999", "1,5", "0x10", "5mm",
	};
	uint64_t ns = 7;

	(void)state;
	for (size_t i = 0; i < PT_ARRAY_LEN(ok); i++) {
		if (pt_config_parse_duration(ok[i].text, &ns) != 0)
			fail_msg("'%s' rejected", ok[i].text);
		if (ns != ok[i].ns)
			fail_msg("'%s' gave %llu", ok[i].text, (unsigned long long)ns);
	}
	for (size_t i = 0; i < PT_ARRAY_LEN(bad); i++) {
		ns = 7;
		if (pt_config_parse_duration(bad[i], &ns) != -EINVAL || ns != 7)
			fail_msg("'%s' accepted", bad[i]);
	}
	assert_int_equal(pt_config_parse_duration(NULL, &ns), -EINVAL);
	assert_int_equal(pt_config_parse_duration("1", NULL), -EINVAL);
}

static void test_overrides_win(void **state)
{
	static const char yaml[] = "flow:\n  max_flows: 2048\ndecode:\n  vxlan_ports: [1, 2, 3]\n";
	struct pt_config c;
	char err[PT_CONFIG_ERR_LEN] = "", path[TEST_PATH_LEN];

	(void)state;
	pt_config_default(&c);
	assert_int_equal(test_load_text(&c, yaml, strlen(yaml), err, path), 0);
	assert_int_equal(c.flow.max_flows, 2048);
	assert_int_equal(pt_config_set(&c, "flow.max_flows=4096", err, sizeof(err)), 0);
	assert_int_equal(pt_config_set(&c, "decode.vxlan_ports=9", err, sizeof(err)), 0);
	assert_int_equal(c.flow.max_flows, 4096);
	assert_int_equal(c.decode.n_vxlan_ports, 1);
	assert_int_equal(c.decode.vxlan_ports[0], 9);
	assert_int_equal(c.decode.vxlan_ports[1], 0); /* a shorter list clears the rest */
	assert_int_equal(c.decode.vxlan_ports[2], 0);
	/* The last --set of a key wins; a failed --set changes nothing. */
	assert_int_equal(pt_config_set(&c, "flow.max_flows=8192", err, sizeof(err)), 0);
	assert_int_equal(pt_config_set(&c, "flow.max_flows=1", err, sizeof(err)), -EINVAL);
	assert_int_equal(c.flow.max_flows, 8192);
	assert_int_equal(pt_config_set(&c, "decode.vxlan_ports=1,2,3,4,5", err, sizeof(err)), -EINVAL);
	assert_int_equal(c.decode.n_vxlan_ports, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_schema),
		cmocka_unit_test(test_default_file),
		cmocka_unit_test(test_doc_lists_every_key),
		cmocka_unit_test(test_every_key_yaml_and_set),
		cmocka_unit_test(test_yaml_forms),
		cmocka_unit_test(test_empty_files),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_overrides_win),
		TEST_CONFIG_ERROR_TESTS,
		TEST_CONFIG_LIST_TESTS,
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
