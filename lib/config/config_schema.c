/* SPDX-License-Identifier: BSD-3-Clause */
/* config_schema.c - The one table of configuration keys (path, type, field, bounds, default) and lookups in it. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "config_priv.h"

#define SEC (1000000000ULL)
#define MIN (60 * SEC)
#define HOUR (60 * MIN)
#define DAY (24 * HOUR)

#define FIELD(f) .offset = offsetof(struct pt_config, f), .size = sizeof(((struct pt_config *)0)->f)
#define STRING(p, f, lo, d) { .path = p, .type = PT_CONFIG_T_STRING, FIELD(f), .min = lo, \
			      .max = sizeof(((struct pt_config *)0)->f) - 1, .def = d }
#define BOOL(p, f, d) { .path = p, .type = PT_CONFIG_T_BOOL, FIELD(f), .def = d }
#define UINT(p, f, lo, hi, d) { .path = p, .type = PT_CONFIG_T_UINT, FIELD(f), .min = lo, .max = hi, .def = d }
#define DURATION(p, f, lo, hi, zero, d) { .path = p, .type = PT_CONFIG_T_DURATION, FIELD(f), .min = lo, \
					  .max = hi, .zero_ok = zero, .def = d }
#define CIDRS(p, f, d) { .path = p, .type = PT_CONFIG_T_CIDRS, FIELD(f), .min = 0, .max = PT_CONFIG_MAX_CIDRS, \
			  .def = d }

static const char *const log_levels[] = { "error", "warn", "info", "debug", NULL };

const struct pt_config_key pt_config_schema[] = {
	STRING("sensor.name", sensor.name, 0, ""),
	{ .path = "log.level", .type = PT_CONFIG_T_ENUM, FIELD(log.level), .values = log_levels, .def = "info" },

	UINT("capture.workers", capture.workers, 0, 128, "0"),
	UINT("capture.rx_descriptors", capture.rx_descriptors, 64, 16384, "1024"),
	UINT("capture.mbufs", capture.mbufs, 1023, 16777215, "16383"),
	UINT("capture.mbuf_cache", capture.mbuf_cache, 0, 512, "256"),
	UINT("capture.mbuf_size", capture.mbuf_size, 128, 16384, "2048"),
	UINT("capture.coalesce_us", capture.coalesce_us, 0, 1000, "10"),
	BOOL("capture.rss", capture.rss, "true"),
	BOOL("capture.promiscuous", capture.promiscuous, "true"),
	UINT("capture.snaplen", capture.snaplen, 64, 262144, "65535"),
	STRING("capture.bpf_filter", capture.bpf_filter, 0, ""),

	BOOL("decode.decapsulate", decode.decapsulate, "true"),
	{ .path = "decode.vxlan_ports", .type = PT_CONFIG_T_PORTS, FIELD(decode.vxlan_ports), .min = 1,
	  .max = PT_CONFIG_MAX_VXLAN_PORTS, .count_offset = offsetof(struct pt_config, decode.n_vxlan_ports),
	  .def = "4789,8472" },
	UINT("decode.geneve_port", decode.geneve_port, 0, 65535, "6081"),
	UINT("decode.fragment_table_size", decode.fragment_table_size, 64, 1048576, "4096"),

	UINT("flow.max_flows", flow.max_flows, 1024, 67108864, "262144"),
	DURATION("flow.timeouts.tcp_opening", flow.timeout_tcp_opening_ns, SEC, DAY, false, "30s"),
	DURATION("flow.timeouts.tcp_established", flow.timeout_tcp_established_ns, SEC, DAY, false, "5m"),
	DURATION("flow.timeouts.tcp_closed", flow.timeout_tcp_closed_ns, SEC, DAY, false, "5s"),
	DURATION("flow.timeouts.udp", flow.timeout_udp_ns, SEC, DAY, false, "60s"),
	DURATION("flow.timeouts.icmp", flow.timeout_icmp_ns, SEC, DAY, false, "30s"),
	DURATION("flow.timeouts.other", flow.timeout_other_ns, SEC, DAY, false, "60s"),
	DURATION("flow.update_interval", flow.update_interval_ns, SEC, DAY, true, "60s"),
	UINT("flow.record_ring_size", flow.record_ring_size, 1024, 4194304, "16384"),

	CIDRS("networks.internal", networks.internal, "10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10, "
	      "169.254.0.0/16, 127.0.0.0/8, 0.0.0.0/8, 224.0.0.0/4, 255.255.255.255/32, fc00::/7, fe80::/10, ::1/128, ::/128, "
	      "ff00::/8"),
	CIDRS("networks.cluster", networks.cluster, ""),
	CIDRS("networks.service", networks.service, ""),
	CIDRS("networks.node", networks.node, ""),

	BOOL("dpi.enabled", dpi.enabled, "true"),
	UINT("dpi.max_packets", dpi.max_packets, 1, 1000, "32"),
	UINT("dpi.max_flows", dpi.max_flows, 1024, 4194304, "16384"),
	UINT("dpi.shed_backlog_percent", dpi.shed_backlog_percent, 0, 100, "50"),

	UINT("dns.cache_size", dns.cache_size, 1024, 16777216, "65536"),
	DURATION("dns.ttl_floor", dns.ttl_floor_ns, 0, HOUR, false, "30s"),
	DURATION("dns.ttl_cap", dns.ttl_cap_ns, SEC, 7 * DAY, false, "1h"),

	STRING("geo.country_db", geo.country_db, 0, "/var/lib/podtap/geoip/country.mmdb"),
	STRING("geo.asn_db", geo.asn_db, 0, "/var/lib/podtap/geoip/asn.mmdb"),
	UINT("geo.cache_size", geo.cache_size, 1024, 16777216, "65536"),
	DURATION("geo.reload_interval", geo.reload_interval_ns, SEC, DAY, true, "60s"),

	STRING("output.flows", output.flows, 0, ""),
	STRING("output.alerts", output.alerts, 0, ""),

	BOOL("redis.enabled", redis.enabled, "true"),
	STRING("redis.url", redis.url, 0, "redis://127.0.0.1:6379"),
	STRING("redis.prefix", redis.prefix, 1, "podtap:"),
	BOOL("redis.flows_stream", redis.flows_stream, "false"),

	BOOL("identity.enabled", identity.enabled, "true"),
	DURATION("identity.resync_interval", identity.resync_interval_ns, SEC, 7 * DAY, false, "5m"),
	UINT("identity.max_entries", identity.max_entries, 16, 16777216, "1048576"),
	DURATION("identity.stale_after", identity.stale_after_ns, SEC, DAY, false, "60s"),

	STRING("alerts.spool_dir", alerts.spool_dir, 1, "/var/lib/podtap/spool"),
	UINT("alerts.spool_max_kb", alerts.spool_max_kb, 64, 67108864, "65536"),
	UINT("alerts.stream_maxlen", alerts.stream_maxlen, 1, 100000000, "100000"),
	DURATION("alerts.dedup_window", alerts.dedup_window_ns, SEC, DAY, true, "10m"),
	UINT("alerts.rate_limit", alerts.rate_limit, 0, 1000000, "60"),
	UINT("alerts.rate_burst", alerts.rate_burst, 1, 1000000, "20"),
	UINT("alerts.test_port", alerts.test_port, 0, 65535, "0"),
	BOOL("alerts.test_per_flow", alerts.test_per_flow, "false"),

	BOOL("baseline.enabled", baseline.enabled, "true"),
	DURATION("baseline.learning_period", baseline.learning_period_ns, 0, 365 * DAY, true, "24h"),
	UINT("baseline.max_edges", baseline.max_edges, 16, 1048576, "1024"),
	UINT("baseline.max_workloads", baseline.max_workloads, 16, 16777216, "65536"),
	DURATION("baseline.sync_interval", baseline.sync_interval_ns, SEC / 10, HOUR, false, "1s"),

	BOOL("detect.new_external.enabled", detect.new_external.enabled, "true"),
	BOOL("detect.scan.enabled", detect.scan.enabled, "true"),
	DURATION("detect.scan.window", detect.scan.window_ns, SEC, DAY, false, "5m"),
	UINT("detect.scan.vertical_ports", detect.scan.vertical_ports, 2, 64, "15"),
	UINT("detect.scan.horizontal_hosts", detect.scan.horizontal_hosts, 2, 64, "25"),
	BOOL("detect.scan.trw", detect.scan.trw, "true"),
	UINT("detect.scan.max_sources", detect.scan.max_sources, 16, 16777216, "16384"),
	STRING("detect.scan.exempt_labels", detect.scan.exempt_labels, 0, ""),
	DURATION("detect.scan.loss_holdoff", detect.scan.loss_holdoff_ns, 0, HOUR, true, "60s"),
	BOOL("detect.lateral.enabled", detect.lateral.enabled, "true"),
	UINT("detect.lateral.fanout_peers", detect.lateral.fanout_peers, 2, 100000, "10"),
	DURATION("detect.lateral.fanout_window", detect.lateral.fanout_window_ns, SEC, DAY, false, "10m"),
	{ .path = "detect.lateral.sensitive_ports", .type = PT_CONFIG_T_PORTS, FIELD(detect.lateral.sensitive_ports),
	  .min = 0, .max = PT_CONFIG_MAX_PORTS, .count_offset = offsetof(struct pt_config, detect.lateral.n_sensitive_ports),
	  .def = "22, 23, 135, 139, 445, 3389, 5985, 5986, 6443, 10250, 10255, 2379, 2380, 2375, 2376, 3306, 5432, "
		 "1433, 1521, 27017, 6379, 9042, 9200, 11211, 5984, 8086, 7000, 7001, 9092, 2181, 50070, 873" },

	DURATION("stats.interval", stats.interval_ns, SEC, DAY, true, "10s"),
};

const size_t pt_config_schema_len = sizeof(pt_config_schema) / sizeof(pt_config_schema[0]);

const struct pt_config_key *pt_config_key_find(const char *path)
{
	for (size_t i = 0; i < pt_config_schema_len; i++)
		if (strcmp(pt_config_schema[i].path, path) == 0)
			return &pt_config_schema[i];
	return NULL;
}

bool pt_config_is_section(const char *path)
{
	size_t len = strlen(path);

	if (len == 0)
		return false;
	for (size_t i = 0; i < pt_config_schema_len; i++)
		if (strncmp(pt_config_schema[i].path, path, len) == 0 && pt_config_schema[i].path[len] == '.')
			return true;
	return false;
}

/* Levenshtein distance, giving up (returning limit + 1) for strings too long to be a key. */
static unsigned int edit_distance(const char *a, const char *b, unsigned int limit)
{
	unsigned int row[PT_CONFIG_PATH_LEN + 1];
	size_t la = strlen(a), lb = strlen(b);

	if (la > PT_CONFIG_PATH_LEN || lb > PT_CONFIG_PATH_LEN)
		return limit + 1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned int)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned int diag = row[0];

		row[0] = (unsigned int)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned int up = row[j];
			unsigned int best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

const char *pt_config_suggest(const char *path, char *buf, size_t len)
{
	unsigned int best = 4;
	bool found = false;

	for (size_t i = 0; i < pt_config_schema_len; i++) {
		const char *key = pt_config_schema[i].path;
		size_t klen = strlen(key);

		/* Compare with each section above the key ("flow", "flow.timeouts") and with the key itself. */
		for (size_t n = 1; n <= klen; n++) {
			char cand[PT_CONFIG_PATH_LEN];
			unsigned int d;

			if ((key[n] != '.' && key[n] != '\0') || n >= sizeof(cand))
				continue;
			memcpy(cand, key, n);
			cand[n] = '\0';
			d = edit_distance(path, cand, best);
			if (d < best && 2 * d < strlen(path)) { /* a close match, not any short word */
				best = d;
				found = true;
				snprintf(buf, len, "%s", cand);
			}
		}
	}
	return found ? buf : NULL;
}
