/* SPDX-License-Identifier: BSD-3-Clause */
/* bench_format.c - Flow record formatting benchmark: ns and TSC cycles per ECS JSON line, and a digest of the lines. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ndpi/ndpi_api.h>
#include <rte_cycles.h>

#include "bench_records.h"

/*
 * Modes:
 *   time [N]          formats each of the realistic records (TLS with SNI/JA3/certificate, DNS, pod to pod with both
 *                     identities, inbound from outside with geo and AS organisation, IPv6 HTTP) N (200k) times, then
 *                     the four of them in turn, and prints ns/record and TSC cycles/record for each, and what the
 *                     Community ID alone costs of that (it is lib/flow's and lib/util's, not the writer's).
 *   dump [N] [SEED]   prints the realistic records, then N (5000) seeded random ones full of edge cases (IPv6
 *                     zero runs and mapped addresses, control characters, quotes, backslashes, valid and broken
 *                     UTF-8 in names, labels and AS organisations, zero and maximal counters, tunnels, VLANs,
 *                     ICMP, every DPI kind), then counters documents: one line each. Two builds that print the
 *                     same lines format the same way (diff them).
 * Every mode ends with a digest of every line it formatted, so "time" runs can be compared too.
 */

#define SEC 1000000000ULL
#define T0 1764786900000000000ULL

static void set_counts(struct pt_flow_record *r, uint64_t p0, uint64_t p1, uint64_t b0, uint64_t b1)
{
	r->flow.packets[0] = p0;
	r->flow.packets[1] = p1;
	r->flow.bytes[0] = b0;
	r->flow.bytes[1] = b1;
}

/* A closed TCP flow's state and times. */
static void set_tcp_closed(struct pt_flow_record *r, uint64_t t, uint64_t duration)
{
	struct pt_flow *f = &r->flow;

	f->first_ns = f->last_update_ns = t;
	f->last_ns = t + duration;
	f->tcp_seen[0] = PT_FLOW_TCP_SYN | PT_FLOW_TCP_ACK | PT_FLOW_TCP_DATA | PT_FLOW_TCP_FIN;
	f->tcp_seen[1] = PT_FLOW_TCP_SYNACK | PT_FLOW_TCP_ACK | PT_FLOW_TCP_DATA | PT_FLOW_TCP_FIN;
	snprintf(f->history, sizeof(f->history), "ShADadFf");
	r->event = PT_FLOW_EVENT_END_CLOSED;
	r->now_ns = f->last_ns + 5 * SEC;
}

struct world {
	struct pt_workload *frontend, *backend, *dns, *node;
};

static void world_make(struct world *w)
{
	w->frontend = bench_workload("{\"kind\":\"pod\",\"namespace\":\"shop\",\"pod\":\"frontend-7d9c5b6f4-x2x9k\","
			       "\"pod_uid\":\"3f1c2a9e-8b7d-4e6f-9a1b-2c3d4e5f6a7b\",\"workload_kind\":\"Deployment\","
			       "\"workload\":\"frontend\",\"node\":\"node-a\",\"service_account\":\"frontend\","
			       "\"labels\":{\"app\":\"frontend\",\"pod-template-hash\":\"7d9c5b6f4\","
			       "\"app.kubernetes.io/part-of\":\"shop\"}}");
	w->backend = bench_workload("{\"kind\":\"pod\",\"namespace\":\"shop\",\"pod\":\"cart-0\","
			      "\"pod_uid\":\"a1b2c3d4-e5f6-4789-8abc-def012345678\",\"workload_kind\":\"StatefulSet\","
			      "\"workload\":\"cart\",\"node\":\"node-b\",\"service_account\":\"cart\","
			      "\"labels\":{\"app\":\"cart\",\"tier\":\"backend\"}}");
	w->dns = bench_workload("{\"kind\":\"service\",\"namespace\":\"kube-system\",\"workload\":\"kube-dns\"}");
	w->node = bench_workload("{\"kind\":\"node\",\"node\":\"node-a\"}");
}

static void world_free(struct world *w)
{
	pt_workload_release(w->frontend);
	pt_workload_release(w->backend);
	pt_workload_release(w->dns);
	pt_workload_release(w->node);
}

enum { REC_TLS, REC_DNS, REC_POD_POD, REC_INBOUND_GEO, REC_IPV6_HTTP, REC_MAX };

static const char *const rec_names[REC_MAX] = {
	"tls (SNI, JA3, JA3S, certificate; source pod; destination geo+AS)",
	"dns (question, answer; pod to kube-dns service)",
	"pod to pod (both identities with labels)",
	"inbound (external source with geo, AS number and organisation)",
	"ipv6 http (url, user agent, AS)",
};

/* The realistic records: what a cluster's sensor writes most. */
static void realistic(struct pt_flow_record *r, int which, const struct world *w)
{
	struct pt_dpi_result *d = &r->dpi;
	uint8_t a[16], b[16];

	memset(r, 0, sizeof(*r));
	r->has_identity = true;
	r->identity_generation = 42;
	switch (which) {
	case REC_TLS:
		bench_v4(0x0af4010a, a);                              /* 10.244.1.10 -> 142.250.185.78:443 */
		bench_v4(0x8efab94e, b);
		bench_set_flow(r, 4, 6, a, 51234, b, 443);
		set_counts(r, 14, 12, 2311, 8754);
		set_tcp_closed(r, T0, 412345678);
		r->orig_scope = PT_SCOPE_POD;
		r->resp_scope = PT_SCOPE_EXTERNAL;
		r->workload[0] = w->frontend;
		r->workload_match[0] = PT_WORKLOAD_MATCH_ADDRESS;
		r->geo[1].flags = PT_GEO_F_COUNTRY | PT_GEO_F_AS_NUMBER | PT_GEO_F_AS_ORG;
		snprintf(r->geo[1].country_iso_code, sizeof(r->geo[1].country_iso_code), "US");
		r->geo[1].as_number = 15169;
		snprintf(r->geo[1].as_organization, sizeof(r->geo[1].as_organization), "Google LLC");
		r->has_dpi = true;
		d->kind = PT_DPI_KIND_TLS;
		d->app_id = 126;
		d->master_id = 91;
		d->confidence = NDPI_CONFIDENCE_DPI;
		d->end = PT_DPI_END_DETECTED;
		d->packets = 6;
		snprintf(d->protocol, sizeof(d->protocol), "tls");
		snprintf(d->dpi_protocol, sizeof(d->dpi_protocol), "TLS.Google");
		snprintf(d->category, sizeof(d->category), "Web");
		snprintf(d->server_name, sizeof(d->server_name), "www.google.com");
		snprintf(d->u.tls.ja3, sizeof(d->u.tls.ja3), "cd08e31494f9531f560d64c695473da9");
		snprintf(d->u.tls.ja3s, sizeof(d->u.tls.ja3s), "eb1d94daa7e0344597e756a1fb6e7054");
		d->u.tls.version = 0x0304;
		d->u.tls.cipher = 0x1301;
		d->u.tls.has_sha1 = 1;
		for (int i = 0; i < 20; i++)
			d->u.tls.sha1[i] = (uint8_t)(i * 37 + 11);
		d->u.tls.not_before = 1761000000;
		d->u.tls.not_after = 1768000000;
		snprintf(d->u.tls.subject, sizeof(d->u.tls.subject), "CN=www.google.com");
		snprintf(d->u.tls.issuer, sizeof(d->u.tls.issuer), "C=US, O=Google Trust Services, CN=WR2");
		break;
	case REC_DNS:
		bench_v4(0x0af4010a, a);                              /* 10.244.1.10 -> 10.96.0.10:53 */
		bench_v4(0x0a60000a, b);
		bench_set_flow(r, 4, 17, a, 38211, b, 53);
		set_counts(r, 1, 1, 84, 132);
		r->flow.first_ns = r->flow.last_update_ns = T0;
		r->flow.last_ns = T0 + 1234567;
		r->event = PT_FLOW_EVENT_END_IDLE;
		r->now_ns = T0 + 60 * SEC;
		r->orig_scope = PT_SCOPE_POD;
		r->resp_scope = PT_SCOPE_SERVICE;
		r->workload[0] = w->frontend;
		r->workload_match[0] = PT_WORKLOAD_MATCH_ADDRESS;
		r->workload[1] = w->dns;
		r->workload_match[1] = PT_WORKLOAD_MATCH_ADDRESS;
		r->has_dpi = true;
		d->kind = PT_DPI_KIND_DNS;
		d->app_id = 5;
		d->confidence = NDPI_CONFIDENCE_DPI;
		d->end = PT_DPI_END_DETECTED;
		d->packets = 2;
		snprintf(d->protocol, sizeof(d->protocol), "dns");
		snprintf(d->dpi_protocol, sizeof(d->dpi_protocol), "DNS");
		snprintf(d->category, sizeof(d->category), "Network");
		snprintf(d->server_name, sizeof(d->server_name), "api.stripe.com");
		d->u.dns.response_seen = 1;
		d->u.dns.queries = 1;
		d->u.dns.answers = 2;
		d->u.dns.qtype = 1;
		d->u.dns.answer_type = 1;
		bench_v4(0x22c8a1f2, d->u.dns.answer_addr);
		break;
	case REC_POD_POD:
		bench_v4(0x0af4010a, a);                              /* 10.244.1.10 -> 10.244.2.17:8080 */
		bench_v4(0x0af40211, b);
		bench_set_flow(r, 4, 6, a, 40112, b, 8080);
		set_counts(r, 9, 7, 1450, 3988);
		set_tcp_closed(r, T0, 23456789);
		r->orig_scope = PT_SCOPE_POD;
		r->resp_scope = PT_SCOPE_POD;
		r->workload[0] = w->frontend;
		r->workload_match[0] = PT_WORKLOAD_MATCH_ADDRESS;
		r->workload[1] = w->backend;
		r->workload_match[1] = PT_WORKLOAD_MATCH_ADDRESS;
		break;
	case REC_INBOUND_GEO:
		bench_v4(0xb9dc6521, a);                              /* 185.220.101.33 -> 10.0.0.5:22 */
		bench_v4(0x0a000005, b);
		bench_set_flow(r, 4, 6, a, 61000, b, 22);
		set_counts(r, 3, 0, 180, 0);
		r->flow.first_ns = r->flow.last_update_ns = T0;
		r->flow.last_ns = T0 + 3 * SEC;
		r->flow.tcp_seen[0] = PT_FLOW_TCP_SYN;
		snprintf(r->flow.history, sizeof(r->flow.history), "S");
		r->event = PT_FLOW_EVENT_END_IDLE;
		r->now_ns = T0 + 33 * SEC;
		r->orig_scope = PT_SCOPE_EXTERNAL;
		r->resp_scope = PT_SCOPE_NODE;
		r->workload[1] = w->node;
		r->workload_match[1] = PT_WORKLOAD_MATCH_ADDRESS;
		r->geo[0].flags = PT_GEO_F_COUNTRY | PT_GEO_F_AS_NUMBER | PT_GEO_F_AS_ORG;
		snprintf(r->geo[0].country_iso_code, sizeof(r->geo[0].country_iso_code), "DE");
		r->geo[0].as_number = 60729;
		snprintf(r->geo[0].as_organization, sizeof(r->geo[0].as_organization),
			 "Stiftung Erneuerbare Freiheit \"Tor\" Telef\xc3\xb3nica");
		break;
	case REC_IPV6_HTTP:
		bench_v6(0xfd00000000000000ULL, 0x0a0000 + 17, a);   /* fd00::a:11 -> 2001:db8:0:1::80:80 */
		bench_v6(0x20010db800000001ULL, 0x80, b);
		bench_set_flow(r, 6, 6, a, 45000, b, 80);
		set_counts(r, 6, 5, 720, 15300);
		set_tcp_closed(r, T0, 87654321);
		r->orig_scope = PT_SCOPE_POD;
		r->resp_scope = PT_SCOPE_EXTERNAL;
		r->workload[0] = w->backend;
		r->workload_match[0] = PT_WORKLOAD_MATCH_ADDRESS;
		r->geo[1].flags = PT_GEO_F_AS_NUMBER | PT_GEO_F_AS_ORG;
		r->geo[1].as_number = 64496;
		snprintf(r->geo[1].as_organization, sizeof(r->geo[1].as_organization), "Example Transit B.V.");
		r->has_dpi = true;
		d->kind = PT_DPI_KIND_HTTP;
		d->app_id = 7;
		d->confidence = NDPI_CONFIDENCE_DPI;
		d->end = PT_DPI_END_DETECTED;
		d->packets = 4;
		snprintf(d->protocol, sizeof(d->protocol), "http");
		snprintf(d->dpi_protocol, sizeof(d->dpi_protocol), "HTTP");
		snprintf(d->category, sizeof(d->category), "Web");
		snprintf(d->server_name, sizeof(d->server_name), "mirror.example.org");
		snprintf(d->user_agent, sizeof(d->user_agent), "curl/7.88.1");
		d->u.http.method = NDPI_HTTP_METHOD_GET;
		d->u.http.version = 1;
		d->u.http.status = 200;
		snprintf(d->u.http.url_path, sizeof(d->u.http.url_path), "/debian/dists/bookworm/InRelease");
		break;
	}
}

/* ---- random records full of edge cases (dump) ---- */

/* Random text of up to @p cap - 1 bytes: mostly plain, with every kind of byte the escaper treats apart. */
static void rand_text(char *out, size_t cap)
{
	static const char *const pieces[] = {
		"\"", "\\", "\n", "\r", "\t", "\x01", "\x1f", "\x7f", "/", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
		"\x80", "\xc0\xaf", "\xed\xa0\x80", "\xe2\x82", "\xf4\x90\x80\x80", "\xff", "\xc2", "\xef\xbf\xbd",
		"\xf0\x9f", "\xe0\x9f\xbf",
	};
	size_t len = cap > 1 ? (size_t)(bench_rng() % cap) : 0, n = 0;
	uint64_t style = bench_rng() % 4;

	while (n < len) {
		uint64_t x = bench_rng();

		if (style == 0 || x % 8 != 0) {
			out[n++] = (char)(0x20 + x / 8 % 95);         /* printable ASCII, quotes and backslashes too */
		} else {
			const char *p = pieces[x / 8 % PT_ARRAY_SIZE(pieces)];
			size_t l = strlen(p);

			if (n + l > len)
				break;
			memcpy(out + n, p, l);
			n += l;
		}
	}
	out[n] = '\0';
}

/* A JSON string literal of random text (for an identity), with the text's bytes escaped as JSON needs. */
static size_t json_literal(char *out, size_t cap)
{
	char text[64];
	size_t n = 0;

	rand_text(text, sizeof(text));
	out[n++] = '"';
	for (const unsigned char *p = (const unsigned char *)text; *p != '\0' && n + 8 < cap; p++) {
		if (*p == '"' || *p == '\\')
			n += (size_t)snprintf(out + n, cap - n, "\\%c", *p);
		else if (*p < 0x20)
			n += (size_t)snprintf(out + n, cap - n, "\\u%04x", *p);
		else
			out[n++] = (char)*p;
	}
	out[n++] = '"';
	out[n] = '\0';
	return n;
}

static struct pt_workload *rand_workload(void)
{
	static const char *const fields[] = { "namespace", "pod", "pod_uid", "workload_kind", "workload", "node",
					      "service_account" };
	static const char *const kinds[] = { "pod", "service", "node" };
	char json[4096], lit[512];
	size_t n = 0;
	struct pt_workload *w;

	n += (size_t)snprintf(json + n, sizeof(json) - n, "{\"kind\":\"%s\"", kinds[bench_rng() % 3]);
	for (size_t i = 0; i < PT_ARRAY_SIZE(fields); i++) {
		if (bench_rng() % 3 == 0)
			continue;
		json_literal(lit, sizeof(lit));
		n += (size_t)snprintf(json + n, sizeof(json) - n, ",\"%s\":%s", fields[i], lit);
	}
	if (bench_rng() % 2) {
		uint64_t labels = bench_rng() % 5;

		n += (size_t)snprintf(json + n, sizeof(json) - n, ",\"labels\":{");
		for (uint64_t i = 0; i < labels; i++) {
			json_literal(lit, sizeof(lit));
			n += (size_t)snprintf(json + n, sizeof(json) - n, "%s%s:", i ? "," : "", lit);
			json_literal(lit, sizeof(lit));
			n += (size_t)snprintf(json + n, sizeof(json) - n, "%s", lit);
		}
		n += (size_t)snprintf(json + n, sizeof(json) - n, "}");
	}
	snprintf(json + n, sizeof(json) - n, "}");
	w = pt_workload_parse(json, strlen(json), NULL, 0);
	return w;                                               /* NULL for the rare duplicate label key */
}

/* An address that exercises the IPv6 text rules: zero runs of every length and place, mapped and compatible v4. */
static void rand_addr(uint8_t ipv, uint8_t out[16])
{
	uint16_t words[8];

	if (ipv == 4) {
		static const uint32_t edges[] = { 0, 0xffffffff, 0x0a000001, 0x01020304, 0x64646464, 0x09090909 };

		bench_v4(bench_rng() % 4 == 0 ? edges[bench_rng() % PT_ARRAY_SIZE(edges)] : (uint32_t)bench_rng(), out);
		return;
	}
	for (int i = 0; i < 8; i++) {
		uint64_t x = bench_rng();

		words[i] = x % 3 == 0 ? 0 : x % 7 == 0 ? 0xffff : x % 5 == 0 ? (uint16_t)(x >> 32) % 16
									      : (uint16_t)(x >> 16);
	}
	switch (bench_rng() % 10) {
	case 0:                                                 /* ::, ::1, ::2 */
		memset(words, 0, sizeof(words));
		words[7] = (uint16_t)(bench_rng() % 3);
		break;
	case 1:                                                 /* ::ffff:a.b.c.d */
		memset(words, 0, 10);
		words[5] = 0xffff;
		break;
	case 2:                                                 /* ::a.b.c.d */
		memset(words, 0, 12);
		break;
	case 3: {                                               /* one zero run somewhere */
		int at = (int)(bench_rng() % 8), len = (int)(1 + bench_rng() % (uint64_t)(8 - at));

		for (int i = 0; i < 8; i++)
			if (words[i] == 0)
				words[i] = 1;
		for (int i = at; i < at + len; i++)
			words[i] = 0;
		break;
	}
	default:
		break;
	}
	for (int i = 0; i < 8; i++) {
		out[2 * i] = (uint8_t)(words[i] >> 8);
		out[2 * i + 1] = (uint8_t)words[i];
	}
}

static uint64_t rand_u64(void)
{
	switch (bench_rng() % 6) {
	case 0: return 0;
	case 1: return UINT64_MAX - bench_rng() % 2;
	case 2: return bench_rng() % 10;
	case 3: return bench_rng();
	default: return bench_rng() % 100000;
	}
}

static void rand_fill(char *s, size_t cap)
{
	if (bench_rng() % 3 == 0)
		s[0] = '\0';
	else
		rand_text(s, cap);
}

static void rand_hex(char *s, size_t cap)
{
	static const char hex[] = "0123456789abcdef";

	if (bench_rng() % 3 == 0) {
		s[0] = '\0';
		return;
	}
	for (size_t i = 0; i + 1 < cap; i++)
		s[i] = hex[bench_rng() % 16];
	s[cap - 1] = '\0';
}

static void rand_dpi(struct pt_dpi_result *d)
{
	static const uint16_t versions[] = { 0, 0x0300, 0x0301, 0x0302, 0x0303, 0x0304, 0xfeff, 0xfefd, 0xfefc, 0x1234 };
	static const uint16_t ciphers[] = { 0, 0x1301, 0x1302, 0x1303, 0xc02f, 0xc030, 0xcca8, 0x009c, 0x7777 };
	static const uint16_t qtypes[] = { 0, 1, 28, 5, 12, 33, 65, 255, 257, 999, 65535 };

	d->risks = bench_rng() % 3 == 0 ? 0 : bench_rng() % 2 ? 1ULL << (bench_rng() % 64) : bench_rng();
	d->confidence = (uint8_t)(bench_rng() % (NDPI_CONFIDENCE_MAX + 2));
	d->kind = (uint8_t)(bench_rng() % 6);
	d->end = (uint8_t)(1 + bench_rng() % 3);
	d->truncated = bench_rng() % 4 == 0 ? (uint8_t)bench_rng() & 0x7f : 0;
	d->packets = (uint16_t)bench_rng();
	rand_fill(d->protocol, sizeof(d->protocol));
	rand_fill(d->dpi_protocol, sizeof(d->dpi_protocol));
	rand_fill(d->category, sizeof(d->category));
	rand_fill(d->server_name, sizeof(d->server_name));
	rand_fill(d->user_agent, sizeof(d->user_agent));
	switch (d->kind) {
	case PT_DPI_KIND_TLS:
	case PT_DPI_KIND_QUIC:
		rand_hex(d->u.tls.ja3, sizeof(d->u.tls.ja3));
		rand_hex(d->u.tls.ja3s, sizeof(d->u.tls.ja3s));
		d->u.tls.version = versions[bench_rng() % PT_ARRAY_SIZE(versions)];
		d->u.tls.cipher = ciphers[bench_rng() % PT_ARRAY_SIZE(ciphers)];
		d->u.tls.has_sha1 = bench_rng() % 2;
		for (int i = 0; i < 20; i++)
			d->u.tls.sha1[i] = (uint8_t)bench_rng();
		d->u.tls.not_before = bench_rng() % 3 ? 0 : (uint32_t)bench_rng();
		d->u.tls.not_after = bench_rng() % 3 ? 0 : (uint32_t)bench_rng();
		rand_fill(d->u.tls.subject, sizeof(d->u.tls.subject));
		rand_fill(d->u.tls.issuer, sizeof(d->u.tls.issuer));
		break;
	case PT_DPI_KIND_DNS:
		d->u.dns.response_seen = bench_rng() % 2;
		d->u.dns.rcode = (uint8_t)(bench_rng() % 20);
		d->u.dns.queries = (uint8_t)bench_rng();
		d->u.dns.answers = (uint8_t)bench_rng();
		d->u.dns.qtype = qtypes[bench_rng() % PT_ARRAY_SIZE(qtypes)];
		d->u.dns.answer_type = bench_rng() % 4 == 0 ? 0 : bench_rng() % 2 ? 1 : 28;
		rand_addr(d->u.dns.answer_type == 1 ? 4 : 6, d->u.dns.answer_addr);
		break;
	case PT_DPI_KIND_HTTP:
		d->u.http.method = (uint8_t)(bench_rng() % 12);
		d->u.http.version = (uint8_t)(bench_rng() % 3);
		d->u.http.status = bench_rng() % 3 ? (uint16_t)(100 + bench_rng() % 500) : 0;
		rand_fill(d->u.http.url_path, sizeof(d->u.http.url_path));
		if (bench_rng() % 3 == 0)
			snprintf(d->server_name, sizeof(d->server_name), "%s",
				 bench_rng() % 2 ? "[fd00::1]:8080" : bench_rng() % 2 ? "[fd00" : "host.example:8443");
		break;
	case PT_DPI_KIND_SSH:
		rand_fill(d->u.ssh.client, sizeof(d->u.ssh.client));
		rand_fill(d->u.ssh.server, sizeof(d->u.ssh.server));
		rand_hex(d->u.ssh.hassh, sizeof(d->u.ssh.hassh));
		rand_hex(d->u.ssh.hassh_server, sizeof(d->u.ssh.hassh_server));
		break;
	default:
		break;
	}
}

static void rand_geo(struct pt_geo_result *g)
{
	memset(g, 0, sizeof(*g));
	g->flags = (uint8_t)(bench_rng() % 8);
	if (g->flags & PT_GEO_F_COUNTRY) {
		g->country_iso_code[0] = (char)('A' + bench_rng() % 26);
		g->country_iso_code[1] = (char)('A' + bench_rng() % 26);
	}
	if (g->flags & PT_GEO_F_AS_NUMBER)
		g->as_number = bench_rng() % 2 ? (uint32_t)bench_rng() : (uint32_t)(1 + bench_rng() % 70000);
	if (g->flags & PT_GEO_F_AS_ORG) {
		rand_text(g->as_organization, sizeof(g->as_organization));
		if (g->as_organization[0] == '\0')
			snprintf(g->as_organization, sizeof(g->as_organization), "\xc3\xa9\"\\\x01");
	}
}

static void rand_record(struct pt_flow_record *r)
{
	static const uint8_t protos[] = { 6, 17, 1, 58, 132, 47, 50, 51, 2, 0, 255, 4, 41 };
	static const char *const histories[] = { "", "S", "ShADadFf", "ShAFf^", "Sr", "Dd", "QI", "ShADadFfRrr123" };
	struct pt_flow *f = &r->flow;
	uint8_t ipv = bench_rng() % 3 == 0 ? 6 : 4;

	memset(r, 0, sizeof(*r));
	f->key.ip_version = ipv;
	f->key.proto = protos[bench_rng() % PT_ARRAY_SIZE(protos)];
	rand_addr(ipv, f->key.addr[0]);
	rand_addr(ipv, f->key.addr[1]);
	f->key.port[0] = bench_rng() % 4 == 0 ? (uint16_t)(bench_rng() % 20) : (uint16_t)bench_rng();
	f->key.port[1] = bench_rng() % 4 == 0 ? (uint16_t)(bench_rng() % 20) : (uint16_t)bench_rng();
	f->orig_side = bench_rng() % 2;
	f->tcp_seen[0] = (uint8_t)bench_rng();
	f->tcp_seen[1] = (uint8_t)bench_rng() & 0x3f;
	snprintf(f->history, sizeof(f->history), "%s", histories[bench_rng() % PT_ARRAY_SIZE(histories)]);
	f->first_ns = bench_rng() % 20 == 0 ? bench_rng() % (1000 * SEC) : T0 + bench_rng() % (1000 * SEC);   /* 1970 too */
	f->last_ns = f->first_ns + (bench_rng() % 2 ? bench_rng() % (600 * SEC) : bench_rng() % 1000);
	if (bench_rng() % 50 == 0)
		f->last_ns = f->first_ns - 1;                   /* a negative duration wraps: still written */
	f->last_update_ns = f->first_ns;
	for (int d = 0; d < 2; d++) {
		f->packets[d] = rand_u64();
		f->bytes[d] = rand_u64();
	}
	f->vlan_count = (uint8_t)(bench_rng() % 3);
	f->vlan_ids[0] = (uint16_t)(bench_rng() % 4096);
	f->vlan_ids[1] = (uint16_t)(bench_rng() % 4096);
	if (bench_rng() % 4 == 0) {
		f->tunnel_depth = (uint8_t)(1 + bench_rng() % 3);
		f->tunnel_type = (uint8_t)(1 + bench_rng() % (PT_TUNNEL_TYPE_MAX - 1));
		f->tunnel_ip_version = bench_rng() % 2 ? 6 : 4;
		f->tunnel_id = bench_rng() % 3 == 0 ? 0 : (uint32_t)bench_rng();
		rand_addr(f->tunnel_ip_version, f->tunnel_src);
		rand_addr(f->tunnel_ip_version, f->tunnel_dst);
	}
	r->event = (uint8_t)(bench_rng() % PT_FLOW_EVENT_MAX);
	r->now_ns = f->last_ns + bench_rng() % (100 * SEC);
	r->orig_scope = (uint8_t)(bench_rng() % PT_SCOPE_MAX);
	r->resp_scope = (uint8_t)(bench_rng() % PT_SCOPE_MAX);
	if (bench_rng() % 2)
		rand_geo(&r->geo[0]);
	if (bench_rng() % 2)
		rand_geo(&r->geo[1]);
	r->has_identity = bench_rng() % 3 != 0;
	r->identity_generation = rand_u64();
	for (int d = 0; d < 2; d++) {
		if (bench_rng() % 2) {
			r->workload[d] = rand_workload();
			r->workload_match[d] = (uint8_t)(bench_rng() % 3);
		}
	}
	r->has_dpi = bench_rng() % 3 != 0;
	if (r->has_dpi)
		rand_dpi(&r->dpi);
}

/* Random values into a struct made of uint64_t counters only. */
static void rand_words(void *p, size_t size)
{
	uint64_t *words = p;

	for (size_t i = 0; i < size / sizeof(uint64_t); i++)
		words[i] = rand_u64();
}

static void rand_counters(struct pt_output_counters *c)
{
	memset(c, 0, sizeof(*c));
	c->packets = rand_u64();
	c->bytes = rand_u64();
	rand_words(c->decode, sizeof(c->decode));
	c->fragments_unmatched = rand_u64();
	c->records_dropped = rand_u64();
	c->clock_outliers = rand_u64();
	c->dns_answers_dropped = rand_u64();
	rand_words(&c->dns, sizeof(c->dns));
	rand_words(&c->dpi, sizeof(c->dpi));
	c->geo.lookups = rand_u64();
	c->geo.hits = rand_u64();
	c->geo.network_hits = rand_u64();
	c->geo.misses = rand_u64();
	c->geo.errors = rand_u64();
	rand_words(&c->flows, sizeof(c->flows));
	rand_words(&c->capture, sizeof(c->capture));
	c->identity.enabled = bench_rng() % 2;
	c->identity.redis_up = bench_rng() % 2;
	c->identity.table.generation = rand_u64();
	c->identity.lookups = rand_u64();
	c->alerts.enabled = bench_rng() % 2;
	c->alerts.redis = bench_rng() % 2;
	c->alerts.flows_stream = bench_rng() % 2;
	c->alerts.raised = rand_u64();
	c->alerts.spool_bytes = rand_u64();
	c->detect.enabled = bench_rng() % 2;
	c->detect.sync = bench_rng() % 2;
	c->detect.scan_findings[1] = rand_u64();
	c->tsc_hz = rand_u64();
	c->n_workers = (uint32_t)(bench_rng() % 5);
	for (uint32_t i = 0; i < c->n_workers; i++) {
		c->workers[i].packets = rand_u64();
		c->workers[i].cycles_busy = rand_u64();
		c->workers[i].poll_gap_max = rand_u64();
	}
}

/* ---- formatting ---- */

static char line[65536];
static uint64_t digest = PT_FNV1A_INIT;

static int format(const struct pt_flow_record *r, const char *domain, bool omit_labels, size_t cap)
{
	struct pt_flow_context ctx = { .observer_name = "sensor-1", .destination_domain = domain,
				       .omit_labels = omit_labels };
	struct pt_json j;

	pt_json_init(&j, line, cap);
	pt_output_format_flow(&j, r, &ctx);
	return pt_json_finish(&j);
}

static void emit(int len, bool print)
{
	digest = pt_fnv1a(digest, &len, sizeof(len));
	if (len > 0)
		digest = pt_fnv1a(digest, line, (size_t)len);
	if (print)
		printf("%d %s\n", len, len > 0 ? line : "");
}

static void dump(uint32_t n, const struct world *w)
{
	static struct pt_flow_record r;
	static const char *const domains[] = { "api.example.com", "a\"b\\c\x01\xc3\xa9\xff", "" };

	for (int i = 0; i < REC_MAX; i++) {
		realistic(&r, i, w);
		emit(format(&r, i == REC_TLS ? "www.google.com" : NULL, false, sizeof(line)), true);
	}
	for (uint32_t i = 0; i < n; i++) {
		const char *domain = bench_rng() % 3 == 0 ? domains[bench_rng() % PT_ARRAY_SIZE(domains)] : NULL;
		bool omit = bench_rng() % 4 == 0;
		int len;

		rand_record(&r);
		len = format(&r, domain, omit, sizeof(line));
		emit(len, true);
		/* The same record into buffers around its length: overflow must be reported at the same byte. */
		if (len > 0 && i % 16 == 0) {
			emit(format(&r, domain, omit, (size_t)len), true);
			emit(format(&r, domain, omit, (size_t)len + 1), true);
			emit(format(&r, domain, omit, 1 + bench_rng() % (size_t)len), true);
		}
		pt_flow_record_release(&r);
	}
	for (uint32_t i = 0; i < n / 50 + 1; i++) {
		static struct pt_output_counters c;
		struct pt_json j;

		uint64_t now = T0 + bench_rng() % (1000 * SEC);
		const char *observer = bench_rng() % 2 ? "s\"1\\\n" : "sensor-1";

		rand_counters(&c);
		pt_json_init(&j, line, sizeof(line));
		pt_output_format_counters(&j, &c, now, observer);
		emit(pt_json_finish(&j), true);
	}
}

/* Format @p r @p iters times; prints ns and cycles per record. */
static void time_one(const char *name, const struct pt_flow_record *recs, uint32_t n_recs, uint32_t iters)
{
	uint64_t t0, t1, c0, c1, bytes = 0;

	for (uint32_t i = 0; i < 1000; i++)                     /* warm the caches and the branch predictors */
		format(&recs[i % n_recs], NULL, false, sizeof(line));
	t0 = pt_time_mono_ns();
	c0 = rte_rdtsc();
	for (uint32_t i = 0; i < iters; i++) {
		const struct pt_flow_record *r = &recs[i % n_recs];

		bytes += (uint64_t)format(r, r->dpi.kind == PT_DPI_KIND_TLS ? "www.google.com" : NULL, false,
					  sizeof(line));
		__asm__ volatile("" : : "r"(line) : "memory");
	}
	c1 = rte_rdtsc();
	t1 = pt_time_mono_ns();
	for (uint32_t i = 0; i < n_recs; i++) {
		const struct pt_flow_record *r = &recs[i];

		emit(format(r, r->dpi.kind == PT_DPI_KIND_TLS ? "www.google.com" : NULL, false, sizeof(line)), false);
	}
	printf("  %-70s %7.0f ns/record %7.0f cycles/record %5.0f bytes/record\n", name, (double)(t1 - t0) / iters,
	       (double)(c1 - c0) / iters, (double)bytes / iters);
}

/* The Community ID alone (SHA-1 and base64, lib/flow and lib/util), which every record includes: to tell its share. */
static void time_community_id(const struct pt_flow_record *recs, uint32_t n_recs, uint32_t iters)
{
	char cid[PT_FLOW_COMMUNITY_ID_LEN];
	uint64_t t0, t1, c0, c1;

	t0 = pt_time_mono_ns();
	c0 = rte_rdtsc();
	for (uint32_t i = 0; i < iters; i++) {
		pt_flow_community_id(&recs[i % n_recs].flow, 0, cid);
		__asm__ volatile("" : : "r"(cid) : "memory");
	}
	c1 = rte_rdtsc();
	t1 = pt_time_mono_ns();
	printf("  %-70s %7.0f ns/record %7.0f cycles/record\n", "of which network.community_id (mix)",
	       (double)(t1 - t0) / iters, (double)(c1 - c0) / iters);
}

static void run_time(uint32_t iters, const struct world *w)
{
	static struct pt_flow_record recs[REC_MAX];
	uint64_t t0 = pt_time_mono_ns(), c0 = rte_rdtsc(), t1, c1;

	for (int i = 0; i < REC_MAX; i++)
		realistic(&recs[i], i, w);
	printf("format: %u records each\n", iters);
	for (int i = 0; i < REC_MAX; i++)
		time_one(rec_names[i], &recs[i], 1, iters);
	time_one("mix (tls, dns, pod to pod, inbound in turn)", recs, 4, iters);
	time_community_id(recs, 4, iters);
	c1 = rte_rdtsc();
	t1 = pt_time_mono_ns();
	printf("  TSC %.3f GHz\n", (double)(c1 - c0) / (double)(t1 - t0));
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "time";
	uint32_t n = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : 0;
	struct world w;

	if (argc > 3)
		bench_rng_seed(strtoull(argv[3], NULL, 0));
	world_make(&w);
	if (strcmp(mode, "time") == 0) {
		run_time(n ? n : 200000, &w);
	} else if (strcmp(mode, "dump") == 0) {
		dump(n ? n : 5000, &w);
	} else {
		fprintf(stderr, "usage: bench_format [time|dump] [N] [SEED]\n");
		return 2;
	}
	world_free(&w);
	fprintf(argc > 1 && strcmp(mode, "dump") == 0 ? stderr : stdout, "  digest %016" PRIx64 "\n", digest);
	return 0;
}
