/* SPDX-License-Identifier: BSD-3-Clause */
/* main.c - podtap's entry point: command line, configuration, signals, and the choice of run mode. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "podtap.h"

#define EXIT_USAGE 2

/* Set from the signal handler; the only process-wide mutable state outside per-lcore structs. */
static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void print_usage(FILE *out)
{
	fprintf(out,
		"Usage: podtap [-c FILE] [-r PCAP | -i IFACE | --replay PCAP [--loop N] [--replay-rate PPS]]\n"
		"              [--flows PATH] [--alerts PATH] [--stats PATH] [--redis URL | --no-redis]\n"
		"              [--set KEY=VALUE]... [--exit-idle SEC] [--count N] [-- EAL args]\n"
		"\n"
		"Passive network sensor: turns mirrored traffic into flow records (ECS JSON lines).\n"
		"\n"
		"Capture (one of):\n"
		"  -r, --read PCAP      read a pcap or pcapng file with libpcap, flush every flow at the end\n"
		"  -i, --interface IF   capture live from IF with libpcap\n"
		"  -- EAL args          otherwise: DPDK, ports from the EAL arguments, e.g.\n"
		"                       -- -l 0,1 --no-huge -m 512 --vdev net_pcap0,rx_pcap=FILE\n"
		"                       -- -l 0-2 -a 0000:3b:00.0      (a vfio-pci NIC, two workers)\n"
		"\n"
		"Options:\n"
		"  -c, --config FILE    YAML configuration (default: built-in defaults, see config/podtap.yaml)\n"
		"      --set KEY=VALUE  override one configuration key by dotted path, e.g. flow.max_flows=1048576\n"
		"      --flows PATH     append flow records to PATH ('-' = stdout); same as output.flows\n"
		"      --alerts PATH    append alerts to PATH ('-' = stdout); same as output.alerts\n"
		"      --stats PATH     append counter metrics to PATH every stats.interval and at exit\n"
		"      --redis URL      Redis for workloads and alerts, e.g. redis://127.0.0.1:6379; same as redis.url\n"
		"                       (a URL without a password takes REDIS_PASSWORD and REDIS_USER from the environment)\n"
		"      --no-redis       run without Redis (redis.enabled=false)\n"
		"      --exit-idle SEC  stop after SEC (a duration: 2, 500ms, 1m) without packets; replays then use\n"
		"                       packet time only, so they give the same records as -r\n"
		"      --count N        stop once N packets were received (a looped replay, a benchmark), then\n"
		"                       flush every flow as at the end of a capture\n"
		"      --replay PCAP    DPDK lcores without ports: preload PCAP into memory and replay it to the\n"
		"                       workers, split by the symmetric address hash as RSS would (benchmarks)\n"
		"      --loop N         replay N passes (each shifted in time by the capture's span); default: until\n"
		"                       stopped (--count, a signal)\n"
		"      --replay-rate PPS  offer PPS packets/s; a worker more than capture.rx_descriptors packets\n"
		"                       behind loses the excess, counted as capture.imissed (default: as fast as it goes)\n"
		"  -h, --help           this text\n"
		"  -V, --version        the version\n"
		"\n"
		"Exit status: 0 on success, 1 on a runtime failure, 2 on a bad argument or configuration.\n");
}

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "podtap: error: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see podtap --help)\n");
	return EXIT_USAGE;
}

static int apply_setting(struct pt_config *cfg, const char *key, const char *value)
{
	char assignment[PT_CONFIG_STR_LEN * 2], err[PT_CONFIG_ERR_LEN];

	snprintf(assignment, sizeof(assignment), "%s=%s", key, value);
	if (pt_config_set(cfg, assignment, err, sizeof(err)) != 0) {
		fprintf(stderr, "podtap: error: %s\n", err);
		return EXIT_USAGE;
	}
	return 0;
}

enum long_only_option {
	OPT_FLOWS = 256, OPT_ALERTS, OPT_STATS, OPT_REDIS, OPT_NO_REDIS, OPT_SET, OPT_EXIT_IDLE, OPT_COUNT, OPT_REPLAY, OPT_LOOP, OPT_REPLAY_RATE,
};

/* A positive integer option value (a count, a rate). @return 0, or -EINVAL. */
static int parse_positive(const char *text, uint64_t *value)
{
	char *end;

	errno = 0;
	*value = strtoull(text, &end, 10);
	return errno != 0 || end == text || *end != '\0' || text[0] == '-' || *value == 0 ? -EINVAL : 0;
}

/* Parse the command line into @p cfg and @p opt. @return 0, or the exit status to leave with (-1 = success). */
static int parse_command_line(int argc, char **argv, struct pt_config *cfg, struct pt_options *opt)
{
	static const struct option long_options[] = {
		{ "config", required_argument, NULL, 'c' },  { "read", required_argument, NULL, 'r' },
		{ "interface", required_argument, NULL, 'i' }, { "flows", required_argument, NULL, OPT_FLOWS },
		{ "alerts", required_argument, NULL, OPT_ALERTS }, { "stats", required_argument, NULL, OPT_STATS },
		{ "redis", required_argument, NULL, OPT_REDIS }, { "no-redis", no_argument, NULL, OPT_NO_REDIS },
		{ "set", required_argument, NULL, OPT_SET }, { "exit-idle", required_argument, NULL, OPT_EXIT_IDLE },
		{ "count", required_argument, NULL, OPT_COUNT }, { "replay", required_argument, NULL, OPT_REPLAY },
		{ "loop", required_argument, NULL, OPT_LOOP }, { "replay-rate", required_argument, NULL, OPT_REPLAY_RATE },
		{ "help", no_argument, NULL, 'h' },          { "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	/* Options naming config keys are applied after the file and the --set overrides. */
	const char *sets[256], *flows = NULL, *alerts = NULL, *redis_url = NULL;
	char err[PT_CONFIG_ERR_LEN];
	int n_sets = 0, c, no_redis = 0, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:r:i:hV", long_options, NULL)) != -1) {
		switch (c) {
		case 'c': opt->config_path = optarg; break;
		case 'r': opt->pcap_file = optarg; break;
		case 'i': opt->iface = optarg; break;
		case OPT_FLOWS: flows = optarg; break;
		case OPT_ALERTS: alerts = optarg; break;
		case OPT_STATS: opt->stats_path = optarg; break;
		case OPT_REDIS: redis_url = optarg; break;
		case OPT_NO_REDIS: no_redis = 1; break;
		case OPT_SET:
			if (n_sets == (int)PT_ARRAY_SIZE(sets))
				return usage_error("too many --set options (at most %s)", "256");
			sets[n_sets++] = optarg;
			break;
		case OPT_EXIT_IDLE:
			if (pt_config_parse_duration(optarg, &opt->exit_idle_ns) != 0 || opt->exit_idle_ns == 0)
				return usage_error("--exit-idle: expected a positive duration such as 2, 500ms or 1m, got '%s'",
						   optarg);
			break;
		case OPT_COUNT:
			if (parse_positive(optarg, &opt->max_packets) != 0)
				return usage_error("--count: expected a positive number of packets, got '%s'", optarg);
			break;
		case OPT_REPLAY: opt->replay_file = optarg; break;
		case OPT_LOOP:
			if (parse_positive(optarg, &opt->replay_loops) != 0)
				return usage_error("--loop: expected a positive number of passes, got '%s'", optarg);
			break;
		case OPT_REPLAY_RATE:
			if (parse_positive(optarg, &opt->replay_rate_pps) != 0)
				return usage_error("--replay-rate: expected a positive rate in packets per second, got '%s'",
						   optarg);
			break;
		case 'h': print_usage(stdout); return -1;
		case 'V': printf("podtap %s\n", PT_VERSION); return -1;
		case ':': return usage_error("option %s needs a value", argv[optind - 1]);
		default: return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if ((opt->pcap_file != NULL) + (opt->iface != NULL) + (opt->replay_file != NULL) > 1)
		return usage_error("-r, -i and --replay are exclusive%s", "");
	if (opt->replay_file == NULL && (opt->replay_loops != 0 || opt->replay_rate_pps != 0))
		return usage_error("--loop and --replay-rate need --replay FILE%s", "");
	if (no_redis && redis_url != NULL)
		return usage_error("--redis and --no-redis are exclusive%s", "");
	if (opt->config_path != NULL && (rc = pt_config_load_file(cfg, opt->config_path, err, sizeof(err))) != 0) {
		fprintf(stderr, "podtap: error: %s\n", err);
		return EXIT_USAGE;
	}
	for (int i = 0; i < n_sets; i++) {
		if (pt_config_set(cfg, sets[i], err, sizeof(err)) != 0) {
			fprintf(stderr, "podtap: error: %s\n", err);
			return EXIT_USAGE;
		}
	}
	if ((flows && (rc = apply_setting(cfg, "output.flows", flows))) ||
	    (alerts && (rc = apply_setting(cfg, "output.alerts", alerts))) ||
	    (redis_url && ((rc = apply_setting(cfg, "redis.url", redis_url)) || (rc = apply_setting(cfg, "redis.enabled", "true")))) ||
	    (no_redis && (rc = apply_setting(cfg, "redis.enabled", "false"))))
		return rc;

	/* What is left after "--" goes to the EAL, behind our program name. */
	if (optind < argc && strcmp(argv[optind - 1], "--") != 0)
		return usage_error("unexpected argument '%s' (EAL arguments go after --)", argv[optind]);
	if ((opt->pcap_file != NULL || opt->iface != NULL) && optind < argc)
		return usage_error("EAL arguments ('%s' ...) are only for DPDK mode, not with -r or -i", argv[optind]);
	opt->eal_argc = argc - optind + 1;
	opt->eal_argv = argv + optind - 1;
	opt->eal_argv[0] = argv[0];
	return 0;
}

static void shared_free(struct pt_shared *shared)
{
	pt_identity_sync_stop(shared->identity_sync);
	pt_workloads_free(shared->workloads);
	pt_geo_published_free(shared->geo);
	pt_identity_networks_free(shared->nets);
	memset(shared, 0, sizeof(*shared));
}

/*
 * A URL without a password takes it (and an ACL user) from the environment, as podtap-k8s-sync and podtapctl
 * do, so that a secret need not sit in the configuration file or on the command line (ps shows it there).
 */
static int redis_credentials_from_env(struct pt_redis_url *url, char *err, size_t err_len)
{
	const char *password = getenv("REDIS_PASSWORD"), *user = getenv("REDIS_USER");

	if (url->password[0] != '\0' || password == NULL || password[0] == '\0')
		return 0;
	if (strlen(password) >= sizeof(url->password) || (user != NULL && strlen(user) >= sizeof(url->user))) {
		snprintf(err, err_len, "REDIS_PASSWORD or REDIS_USER is longer than %zu bytes", sizeof(url->password) - 1);
		return -EINVAL;
	}
	snprintf(url->password, sizeof(url->password), "%s", password);
	if (url->user[0] == '\0' && user != NULL)
		snprintf(url->user, sizeof(url->user), "%s", user);
	return 0;
}

/* The workload table, loaded from Redis and followed there by a thread of the control side (pt_shared_start()). */
static int shared_create_workloads(const struct pt_config *cfg, struct pt_shared *shared)
{
	if (!cfg->identity.enabled || !cfg->redis.enabled) {
		if (cfg->identity.enabled)
			pt_log(PT_LOG_DEBUG, "identity: redis is off, so flows carry no workload identity");
		return 0;
	}
	shared->workloads = pt_workloads_create(cfg->identity.max_entries, PT_MAX_WORKERS);
	if (shared->workloads == NULL) {
		fprintf(stderr, "podtap: error: out of memory\n");
		return 1;
	}
	return 0;
}

int pt_shared_start(const struct pt_config *cfg, struct pt_shared *shared)
{
	char err[PT_CONFIG_ERR_LEN];

	if (shared->workloads == NULL)
		return 0;
	shared->identity_sync = pt_identity_sync_start(cfg, &shared->redis_url, shared->workloads, err, sizeof(err));
	if (shared->identity_sync == NULL) {
		fprintf(stderr, "podtap: error: identity: %s\n", err);
		return 1;
	}
	return 0;
}

/* The read-mostly tables: networks, the GeoIP databases (the control side says which it loaded), workloads. */
static int shared_create(const struct pt_config *cfg, const struct pt_redis_url *redis_url, bool offline,
			 struct pt_shared *shared)
{
	struct pt_geo_db *db;

	memset(shared, 0, sizeof(*shared));
	shared->redis_url = *redis_url;
	shared->nets = pt_identity_networks_create(cfg);
	db = pt_geo_db_open(cfg->geo.country_db, cfg->geo.asn_db);
	if (db != NULL) {
		shared->geo = pt_geo_published_create(db, PT_MAX_WORKERS);
		if (shared->geo == NULL)
			pt_geo_db_free(db);
	}
	if (!offline)
		pt_geo_start_index(shared->geo);    /* beside the rest of the set-up; a file's waits (control.c) */
	if (shared->nets == NULL || shared->geo == NULL) {
		fprintf(stderr, "podtap: error: out of memory\n");
		shared_free(shared);
		return 1;
	}
	if (shared_create_workloads(cfg, shared) != 0) {
		shared_free(shared);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct pt_config cfg;
	struct pt_options opt;
	struct pt_shared shared;
	struct pt_redis_url redis_url;
	enum pt_log_level level;
	int rc;

	pt_config_default(&cfg);
	memset(&opt, 0, sizeof(opt));
	rc = parse_command_line(argc, argv, &cfg, &opt);
	if (rc != 0)
		return rc < 0 ? 0 : rc;
	if (pt_log_level_parse(cfg.log.level, &level) == 0)
		pt_log_set_level(level);
	memset(&redis_url, 0, sizeof(redis_url));
	if (cfg.redis.enabled) {
		char err[PT_CONFIG_ERR_LEN];

		if (pt_redis_url_parse(cfg.redis.url, &redis_url, err, sizeof(err)) != 0 ||
		    redis_credentials_from_env(&redis_url, err, sizeof(err)) != 0) {
			fprintf(stderr, "podtap: error: redis.url: %s\n", err);
			return EXIT_USAGE;
		}
	}

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	rc = shared_create(&cfg, &redis_url, opt.pcap_file != NULL, &shared);
	if (rc != 0)
		return rc;
	if (opt.pcap_file != NULL || opt.iface != NULL)
		rc = pt_run_pcap(&cfg, &opt, &shared, &stop_requested);
	else
		rc = pt_run_dpdk(&cfg, &opt, &shared, &stop_requested);
	shared_free(&shared);
	return rc;
}
