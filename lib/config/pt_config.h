/* SPDX-License-Identifier: BSD-3-Clause */
/* pt_config.h - podtap's configuration: defaults, one YAML file, and --set KEY=VALUE overrides, with precise errors. */
#ifndef PT_CONFIG_H
#define PT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PT_CONFIG_STR_LEN 256
#define PT_CONFIG_MAX_PORTS 32   /* the longest port list (detect.lateral.sensitive_ports) */
#define PT_CONFIG_MAX_VXLAN_PORTS 4
#define PT_CONFIG_ERR_LEN 512
#define PT_CONFIG_MAX_CIDRS 64

/** One network in a CIDR list: host bits are always clear; IPv4 uses the first 4 bytes, the other 12 are 0. */
struct pt_config_cidr {
	uint8_t ip_version;     /* 4 or 6 */
	uint8_t prefix_len;     /* 0..32 or 0..128 */
	uint8_t addr[16];
};

/** A CIDR list key: at most PT_CONFIG_MAX_CIDRS distinct networks, in the order given; net[count..] are 0. */
struct pt_config_cidrs {
	uint32_t count;
	struct pt_config_cidr net[PT_CONFIG_MAX_CIDRS];
};

/** Every key of config/podtap.yaml; the dotted YAML path of each field is given beside it. */
struct pt_config {
	struct {
		char name[PT_CONFIG_STR_LEN];           /* sensor.name: observer.name; "" = host name */
	} sensor;
	struct {
		char level[16];                         /* log.level: error | warn | info | debug */
	} log;
	struct {
		uint32_t workers;                       /* capture.workers: worker lcores; 0 = every EAL lcore but main */
		uint32_t rx_descriptors;                /* capture.rx_descriptors: per RX queue, 64..16384 */
		uint32_t mbufs;                         /* capture.mbufs: mbufs per port pool, 1023..16777215 */
		uint32_t mbuf_cache;                    /* capture.mbuf_cache: per-lcore mempool cache, 0..512 */
		uint32_t mbuf_size;                     /* capture.mbuf_size: packet bytes per mbuf, 128..16384 */
		uint32_t coalesce_us;                   /* capture.coalesce_us: DPDK wait after a short burst, 0..1000 */
		bool rss;                               /* capture.rss: use hardware RSS queues when the port has them */
		bool promiscuous;                       /* capture.promiscuous */
		uint32_t snaplen;                       /* capture.snaplen: libpcap -i snapshot length, 64..262144 */
		char bpf_filter[PT_CONFIG_STR_LEN];     /* capture.bpf_filter: libpcap filter, "" = none */
	} capture;
	struct {
		bool decapsulate;                       /* decode.decapsulate */
		uint16_t vxlan_ports[PT_CONFIG_MAX_VXLAN_PORTS]; /* decode.vxlan_ports: list of UDP ports */
		uint32_t n_vxlan_ports;
		uint16_t geneve_port;                   /* decode.geneve_port: 0 disables */
		uint32_t fragment_table_size;           /* decode.fragment_table_size: 64..1048576 */
	} decode;
	struct {
		uint32_t max_flows;                     /* flow.max_flows: per worker, 1024..67108864 */
		uint64_t timeout_tcp_opening_ns;        /* flow.timeouts.tcp_opening (duration) */
		uint64_t timeout_tcp_established_ns;    /* flow.timeouts.tcp_established */
		uint64_t timeout_tcp_closed_ns;         /* flow.timeouts.tcp_closed */
		uint64_t timeout_udp_ns;                /* flow.timeouts.udp */
		uint64_t timeout_icmp_ns;               /* flow.timeouts.icmp */
		uint64_t timeout_other_ns;              /* flow.timeouts.other */
		uint64_t update_interval_ns;            /* flow.update_interval: 0 = no interim records */
		uint32_t record_ring_size;              /* flow.record_ring_size: worker -> control ring, 1024..4194304 */
	} flow;
	struct {
		char flows[PT_CONFIG_STR_LEN];          /* output.flows: path, "-" = stdout, "" = none */
		char alerts[PT_CONFIG_STR_LEN];         /* output.alerts: path, "-" = stdout, "" = none */
	} output;
	struct {
		bool enabled;                           /* redis.enabled */
		char url[PT_CONFIG_STR_LEN];            /* redis.url: redis://[user:pass@]host:port[/db] or unix:///path */
		char prefix[64];                        /* redis.prefix: key prefix, default "podtap:" */
		bool flows_stream;                      /* redis.flows_stream: flow records to <prefix>flows too */
	} redis;
	struct {
		uint64_t interval_ns;                   /* stats.interval: counters to the log and Redis; 0 = off */
	} stats;
	struct {
		/* An address in any of these four lists is internal: never looked up in GeoIP, never an
		 * "external destination". */
		struct pt_config_cidrs internal;        /* networks.internal: private, CGNAT, link-local, loopback, ULA */
		struct pt_config_cidrs cluster;         /* networks.cluster: pod CIDRs; default none */
		struct pt_config_cidrs service;         /* networks.service: service CIDRs; default none */
		struct pt_config_cidrs node;            /* networks.node: node networks; default none */
	} networks;
	struct {
		bool enabled;                           /* dpi.enabled: classify flows with nDPI */
		uint32_t max_packets;                   /* dpi.max_packets: packets per flow before giving up, 1..1000 */
		uint32_t max_flows;                     /* dpi.max_flows: flows in DPI at once per worker (nDPI state
							 * pool size), 1024..4194304 */
		uint32_t shed_backlog_percent;          /* dpi.shed_backlog_percent: new flows are not classified while
							 * a worker's backlog is above this % of capture.rx_descriptors;
							 * 0 = never, 0..100 */
	} dpi;
	struct {
		uint32_t cache_size;                    /* dns.cache_size: IP -> name entries, 1024..16777216 */
		uint64_t ttl_floor_ns;                  /* dns.ttl_floor: shortest time an answer is kept, 0..1h */
		uint64_t ttl_cap_ns;                    /* dns.ttl_cap: longest time an answer is kept, 1s..7d;
							 * not checked against ttl_floor: the cap wins */
	} dns;
	struct {
		char country_db[PT_CONFIG_STR_LEN];     /* geo.country_db: MaxMind DB with countries, "" = none */
		char asn_db[PT_CONFIG_STR_LEN];         /* geo.asn_db: MaxMind DB with AS numbers, "" = none */
		uint32_t cache_size;                    /* geo.cache_size: per-worker lookup cache entries,
							 * 1024..16777216 */
		uint64_t reload_interval_ns;            /* geo.reload_interval: how often the files are checked for a
							 * new version; 0 = never, else 1s..24h */
	} geo;
	struct {
		bool enabled;                           /* identity.enabled: follow the workload table in Redis
							 * (needs redis.enabled) */
		uint64_t resync_interval_ns;            /* identity.resync_interval: full reload period, 1s..7d */
		uint32_t max_entries;                   /* identity.max_entries: addresses + networks kept,
							 * 16..16777216 */
		uint64_t stale_after_ns;                /* identity.stale_after: unrefreshed this long = stale alert */
	} identity;
	struct {
		char spool_dir[PT_CONFIG_STR_LEN];      /* alerts.spool_dir: the durable outbox for Redis */
		uint32_t spool_max_kb;                  /* alerts.spool_max_kb: its cap, 64 KiB..64 GiB */
		uint32_t stream_maxlen;                 /* alerts.stream_maxlen: XADD MAXLEN ~ of <prefix>alerts */
		uint64_t dedup_window_ns;               /* alerts.dedup_window: one alert per key this long; 0 = off */
		uint32_t rate_limit;                    /* alerts.rate_limit: alerts a minute per rule; 0 = unlimited */
		uint32_t rate_burst;                    /* alerts.rate_burst: alerts a rule may raise at once */
		uint32_t test_port;                     /* alerts.test_port: test-only trigger rule; 0 = off */
		bool test_per_flow;                     /* alerts.test_per_flow: its key includes the source port */
	} alerts;
	struct {
		bool enabled;                           /* baseline.enabled: learn and check per-workload baselines */
		uint64_t learning_period_ns;            /* baseline.learning_period: from a workload's first flow */
		uint32_t max_edges;                     /* baseline.max_edges: per workload */
		uint32_t max_workloads;                 /* baseline.max_workloads */
		uint64_t sync_interval_ns;              /* baseline.sync_interval: edges written to Redis this often */
	} baseline;
	struct {
		struct {
			bool enabled;                   /* detect.new_external.enabled */
		} new_external;
		struct {
			bool enabled;                   /* detect.scan.enabled */
			uint64_t window_ns;             /* detect.scan.window */
			uint32_t vertical_ports;        /* detect.scan.vertical_ports: failed ports on one victim */
			uint32_t horizontal_hosts;      /* detect.scan.horizontal_hosts: failed victims on one port */
			bool trw;                       /* detect.scan.trw: the slow-scan detector */
			uint32_t max_sources;           /* detect.scan.max_sources: scanners tracked */
			char exempt_labels[PT_CONFIG_STR_LEN];  /* detect.scan.exempt_labels: "k=v,k=v" */
			uint64_t loss_holdoff_ns;       /* detect.scan.loss_holdoff: no verdicts this long after loss */
		} scan;
		struct {
			bool enabled;                   /* detect.lateral.enabled */
			uint32_t fanout_peers;          /* detect.lateral.fanout_peers: new internal peers ... */
			uint64_t fanout_window_ns;      /* detect.lateral.fanout_window: ... within this long */
			uint16_t sensitive_ports[PT_CONFIG_MAX_PORTS];   /* detect.lateral.sensitive_ports */
			uint32_t n_sensitive_ports;
		} lateral;
	} detect;
};

/** Fill @p cfg with the documented defaults (those of config/podtap.yaml). */
void pt_config_default(struct pt_config *cfg);

/**
 * Apply a YAML file on top of @p cfg. Keys not in the file keep their values.
 * @param err  on failure, one line naming "file:line: key: problem" (or the YAML syntax error with file:line).
 * The file is applied all or nothing: on any error @p cfg is left unchanged.
 * @return 0; a negative errno if the file cannot be read (-ENOENT, -EACCES, -EISDIR, -ENOMEM...);
 *         -EINVAL for a syntax error, an unknown or duplicate key, a value of the wrong type or out of
 *         range, or a file larger than 1 MiB.
 */
int pt_config_load_file(struct pt_config *cfg, const char *path, char *err, size_t err_len);

/**
 * Apply one override "dotted.key=value" (as given to --set). Lists are comma separated, optionally
 * in brackets: "decode.vxlan_ports=4789,8472", "networks.cluster=[10.244.0.0/16,fd00:244::/56]";
 * an empty value or "[]" is the empty list, for the keys that allow one.
 * @param err  on failure, one line naming the key and the problem.
 * @return 0, or -EINVAL for a missing '=', an unknown key or a bad value.
 */
int pt_config_set(struct pt_config *cfg, const char *assignment, char *err, size_t err_len);

/**
 * Parse a duration: a plain number of seconds ("30", "1.5"), or a number with a unit among
 * ms, s, m, h, d ("500ms", "5m", "24h").
 * @return 0, or -EINVAL when malformed, negative or overflowing.
 */
int pt_config_parse_duration(const char *text, uint64_t *ns);

#endif /* PT_CONFIG_H */
