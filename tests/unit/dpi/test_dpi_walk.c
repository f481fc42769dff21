/* SPDX-License-Identifier: BSD-3-Clause */
/* test_dpi_walk.c - The ECS field walk: object selection and merging, names rendered, absent values, truncation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dpi_priv.h"
#include "fixtures.h"
#include "fixtures_expect.h"
#include "synth.h"

struct rec {
	unsigned int n;
	enum pt_dpi_walk_event ev[64];
	char key[64][48];
};

static void rec_cb(void *ctx, const struct pt_dpi_walk_item *it)
{
	struct rec *r = ctx;

	assert_true(r->n < 64);
	r->ev[r->n] = it->event;
	snprintf(r->key[r->n], sizeof(r->key[0]), "%s", it->key ? it->key : "");
	r->n++;
}

static void test_objects(void **state)
{
	struct pt_dpi *dpi;
	struct pt_dpi_config cfg;
	struct pt_dpi_flow df;
	struct fx_fields f;
	const struct pt_dpi_result *r;
	struct rec rec;
	unsigned int total = 0;

	(void)state;
	pt_dpi_config_default(&cfg);
	cfg.max_states = cfg.max_results = 2;
	dpi = pt_dpi_create(&cfg, NULL, 0);
	r = fx_classify(dpi, &df, "dns_a", &f);
	assert_non_null(r);

	/* "network" without the flag: the members only, to merge into the record's own network object. */
	memset(&rec, 0, sizeof(rec));
	assert_int_equal(pt_dpi_result_walk(r, "network", 0, rec_cb, &rec), 1);
	assert_int_equal(rec.n, 1);
	assert_int_equal(rec.ev[0], PT_DPI_WALK_STRING);
	assert_string_equal(rec.key[0], "protocol");

	/* With the flag, wrapped in its object. */
	memset(&rec, 0, sizeof(rec));
	assert_int_equal(pt_dpi_result_walk(r, "network", PT_DPI_WALK_WRAP, rec_cb, &rec), 1);
	assert_int_equal(rec.n, 3);
	assert_int_equal(rec.ev[0], PT_DPI_WALK_BEGIN_OBJECT);
	assert_string_equal(rec.key[0], "network");
	assert_int_equal(rec.ev[2], PT_DPI_WALK_END_OBJECT);

	/* An object the result has nothing for emits nothing at all, wrapped or not. */
	memset(&rec, 0, sizeof(rec));
	assert_int_equal(pt_dpi_result_walk(r, "tls", PT_DPI_WALK_WRAP, rec_cb, &rec), 0);
	assert_int_equal(pt_dpi_result_walk(r, "url", 0, rec_cb, &rec), 0);
	assert_int_equal(pt_dpi_result_walk(r, "no_such_object", PT_DPI_WALK_WRAP, rec_cb, &rec), 0);
	assert_int_equal(rec.n, 0);
	assert_int_equal(pt_dpi_result_walk(NULL, NULL, 0, rec_cb, &rec), 0);

	/* "podtap" members start with its "dpi" object. */
	memset(&rec, 0, sizeof(rec));
	assert_true(pt_dpi_result_walk(r, "podtap", 0, rec_cb, &rec) >= 4);
	assert_int_equal(rec.ev[0], PT_DPI_WALK_BEGIN_OBJECT);
	assert_string_equal(rec.key[0], "dpi");

	/* The objects one by one add up to the walk of all of them. */
	for (const char *const *o = pt_dpi_walk_objects; *o != NULL; o++)
		total += pt_dpi_result_walk(r, *o, PT_DPI_WALK_WRAP, rec_cb, &(struct rec){ 0 });
	assert_int_equal(total, f.n);
	assert_string_equal(pt_dpi_walk_objects[0], "network");
	assert_string_equal(pt_dpi_walk_objects[6], "podtap");
	assert_null(pt_dpi_walk_objects[7]);
	pt_dpi_flow_release(dpi, &df);
	pt_dpi_free(dpi);
}

static struct pt_dpi_result blank(enum pt_dpi_kind kind)
{
	struct pt_dpi_result r;

	memset(&r, 0, sizeof(r));
	r.kind = (uint8_t)kind;
	r.packets = 4;
	r.end = PT_DPI_END_DETECTED;
	return r;
}

static void test_rendering(void **state)
{
	struct pt_dpi_result r;
	struct fx_fields f;

	(void)state;
	/* Nothing found: only the packet count. */
	r = blank(PT_DPI_KIND_NONE);
	fx_flatten(&r, &f);
	assert_int_equal(f.n, 1);
	assert_string_equal(fx_get(&f, "podtap.dpi.packets"), "4");

	/* TLS versions and ciphers; an unknown suite or version has no name and is left out. */
	r = blank(PT_DPI_KIND_TLS);
	r.u.tls.version = 0x0300;
	r.u.tls.cipher = 0x1301;
	fx_flatten(&r, &f);
	assert_string_equal(fx_get(&f, "tls.version"), "3.0");
	assert_string_equal(fx_get(&f, "tls.version_protocol"), "ssl");
	assert_string_equal(fx_get(&f, "tls.cipher"), "TLS_AES_128_GCM_SHA256");
	assert_null(fx_get(&f, "tls.client.server_name"));
	r.u.tls.version = 0xfefd;
	r.u.tls.cipher = 0x4242;
	fx_flatten(&r, &f);
	assert_string_equal(fx_get(&f, "tls.version"), "1.2");
	assert_string_equal(fx_get(&f, "tls.version_protocol"), "dtls");
	assert_null(fx_get(&f, "tls.cipher"));
	r.u.tls.version = 0x7f1c; /* a TLS 1.3 draft */
	fx_flatten(&r, &f);
	assert_null(fx_get(&f, "tls.version"));

	/* Risks in bit order with nDPI's names; bit 0 (no risk) is not one. Confidence by name. */
	r = blank(PT_DPI_KIND_NONE);
	r.risks = 1ULL | (1ULL << 24) | (1ULL << 6);
	r.confidence = 1;
	fx_flatten(&r, &f);
	assert_string_equal(fx_get(&f, "podtap.dpi.risks[0]"), "Self-signed Certificate");
	assert_string_equal(fx_get(&f, "podtap.dpi.risks[1]"), "Missing SNI TLS Extension");
	assert_null(fx_get(&f, "podtap.dpi.risks[2]"));
	assert_string_equal(fx_get(&f, "podtap.dpi.confidence"), "Match by port");

	/* DNS: types and codes by name, RFC 3597 notation otherwise; no response, no rcode. */
	r = blank(PT_DPI_KIND_DNS);
	snprintf(r.server_name, sizeof(r.server_name), "x.podtap.test");
	r.u.dns.qtype = 65;
	fx_flatten(&r, &f);
	assert_string_equal(fx_get(&f, "dns.question.type"), "HTTPS");
	assert_null(fx_get(&f, "dns.response_code"));
	r.u.dns.qtype = 999;
	r.u.dns.response_seen = 1;
	r.u.dns.rcode = 2;
	fx_flatten(&r, &f);
	assert_string_equal(fx_get(&f, "dns.question.type"), "TYPE999");
	assert_string_equal(fx_get(&f, "dns.response_code"), "SERVFAIL");
	r.u.dns.rcode = 15;
	r.u.dns.answers = 1; /* an answer nDPI kept no address for (a CNAME, say) */
	fx_flatten(&r, &f);
	assert_string_equal(fx_get(&f, "dns.response_code"), "RCODE15");
	assert_null(fx_get(&f, "dns.answers[0].data"));

	/* HTTP: no request seen, no method or version; the Host's port is not part of url.domain. */
	r = blank(PT_DPI_KIND_HTTP);
	snprintf(r.server_name, sizeof(r.server_name), "www.podtap.test:8080");
	r.u.http.status = 404;
	fx_flatten(&r, &f);
	assert_string_equal(fx_get(&f, "url.domain"), "www.podtap.test");
	assert_string_equal(fx_get(&f, "http.response.status_code"), "404");
	assert_null(fx_get(&f, "http.request.method"));
	assert_null(fx_get(&f, "http.version"));
	snprintf(r.server_name, sizeof(r.server_name), "[2001:db8::1]:8080");
	fx_flatten(&r, &f);
	assert_string_equal(fx_get(&f, "url.domain"), "2001:db8::1");
	snprintf(r.server_name, sizeof(r.server_name), "203.0.113.10");
	fx_flatten(&r, &f);
	assert_string_equal(fx_get(&f, "url.domain"), "203.0.113.10");

	/* Certificate times as times (nanoseconds), the fingerprint in upper-case hex. */
	r = blank(PT_DPI_KIND_TLS);
	r.u.tls.not_before = 1700000000;
	r.u.tls.has_sha1 = 1;
	memset(r.u.tls.sha1, 0xab, 20);
	fx_flatten(&r, &f);
	assert_string_equal(fx_get(&f, "tls.server.not_before"), "1700000000000000000");
	assert_string_equal(fx_get(&f, "tls.server.hash.sha1"), "ABABABABABABABABABABABABABABABABABABABAB");
	assert_null(fx_get(&f, "tls.server.not_after"));
}

static void test_copy_str(void **state)
{
	char small[8];

	(void)state;
	assert_false(pt_dpi_copy_str(small, sizeof(small), "1234567"));
	assert_string_equal(small, "1234567");
	assert_true(pt_dpi_copy_str(small, sizeof(small), "12345678"));
	assert_string_equal(small, "1234567");
	/* "123456é": é is two bytes at offsets 6-7; cutting at 7 would split it, so it goes entirely. */
	assert_true(pt_dpi_copy_str(small, sizeof(small), "123456\xc3\xa9"));
	assert_string_equal(small, "123456");
	/* A four-byte character at the end. */
	assert_true(pt_dpi_copy_str(small, sizeof(small), "1234\xf0\x9f\x98\x80"));
	assert_string_equal(small, "1234");
	assert_false(pt_dpi_copy_str(small, sizeof(small), ""));
	assert_string_equal(small, "");
}

/* A request with a User-Agent and target longer than the result keeps: cut at a character, and said so. */
static void test_truncation(void **state)
{
	struct pt_dpi_config cfg;
	struct pt_dpi *dpi;
	struct pt_dpi_flow df = PT_DPI_FLOW_INIT;
	struct syn_flow sf;
	const struct pt_dpi_result *r;
	struct fx_fields f;
	char req[2048], ua[400], path[600];
	uint8_t pkt[2200];
	uint32_t len;
	int n;

	(void)state;
	memset(ua, 0, sizeof(ua));
	strcpy(ua, "podtap-long-agent/1.0 ");
	while (strlen(ua) < 300)
		strcat(ua, "\xc3\xa9t\xc3\xa9 "); /* "été " */
	memset(path, 0, sizeof(path));
	strcpy(path, "/search");
	while (strlen(path) < 500)
		strcat(path, "/segment");
	n = snprintf(req, sizeof(req),
		     "GET %s?q=podtap HTTP/1.1\r\nHost: www.podtap.test:8080\r\nUser-Agent: %s\r\nAccept: */*\r\n\r\n",
		     path, ua);
	pt_dpi_config_default(&cfg);
	cfg.max_states = cfg.max_results = 2;
	dpi = pt_dpi_create(&cfg, NULL, 0);
	syn_flow_v4(&sf, SYN_TCP, 9, 41000, 8080);
	len = syn_packet(&sf, false, (const uint8_t *)req, (uint32_t)n, pkt, sizeof(pkt));
	assert_true(len > 0);
	pt_dpi_packet(dpi, &df, pkt, len, SYN_TCP, (uint32_t)n, 1000000);
	pt_dpi_flow_end(dpi, &df);
	r = pt_dpi_flow_result(dpi, &df);
	assert_non_null(r);
	fx_flatten(r, &f);
	fx_print("long request", &f);
	assert_string_equal(fx_get(&f, "network.protocol"), "http");
	assert_string_equal(fx_get(&f, "url.domain"), "www.podtap.test");
	assert_string_equal(fx_get(&f, "http.request.method"), "GET");
	assert_true(r->truncated & PT_DPI_TRUNC_USER_AGENT);
	assert_true(r->truncated & PT_DPI_TRUNC_URL_PATH);
	assert_int_equal(strncmp(fx_get(&f, "user_agent.original"), ua, strlen(fx_get(&f, "user_agent.original"))), 0);
	assert_true(strlen(fx_get(&f, "user_agent.original")) <= PT_DPI_USER_AGENT_LEN - 1);
	assert_true(strlen(fx_get(&f, "user_agent.original")) >= PT_DPI_USER_AGENT_LEN - 4);
	/* The cut path has lost its query, and says where it was cut. */
	assert_int_equal(strncmp(fx_get(&f, "url.path"), path, strlen(fx_get(&f, "url.path"))), 0);
	assert_null(fx_get(&f, "url.query"));
	assert_string_equal(fx_get(&f, "podtap.dpi.truncated[0]"), "user_agent.original");
	assert_string_equal(fx_get(&f, "podtap.dpi.truncated[1]"), "url.path");
	assert_null(fx_get(&f, "podtap.dpi.truncated[2]"));
	pt_dpi_flow_release(dpi, &df);

	/* A short one keeps its query apart. */
	n = snprintf(req, sizeof(req), "POST /api/v1/items?id=7&x=y HTTP/1.0\r\nHost: api.podtap.test\r\n\r\n");
	syn_flow_v4(&sf, SYN_TCP, 10, 41001, 80);
	len = syn_packet(&sf, false, (const uint8_t *)req, (uint32_t)n, pkt, sizeof(pkt));
	pt_dpi_packet(dpi, &df, pkt, len, SYN_TCP, (uint32_t)n, 1000000);
	pt_dpi_flow_end(dpi, &df);
	fx_flatten(pt_dpi_flow_result(dpi, &df), &f);
	fx_print("short request", &f);
	assert_string_equal(fx_get(&f, "url.path"), "/api/v1/items");
	assert_string_equal(fx_get(&f, "url.query"), "id=7&x=y");
	assert_string_equal(fx_get(&f, "http.request.method"), "POST");
	assert_string_equal(fx_get(&f, "http.version"), "1.0");
	assert_null(fx_get(&f, "user_agent.original"));
	assert_null(fx_get(&f, "podtap.dpi.truncated[0]"));
	pt_dpi_flow_release(dpi, &df);
	pt_dpi_free(dpi);
}

/* The walk for every capture is well formed: objects and arrays balance, no empty string, no key inside an
 * array and none missing outside one (fx_flatten checks these), and it fits a record. */
static void test_all_captures_well_formed(void **state)
{
	struct pt_dpi_config cfg;
	struct pt_dpi *dpi;

	(void)state;
	pt_dpi_config_default(&cfg);
	cfg.max_states = cfg.max_results = 2;
	dpi = pt_dpi_create(&cfg, NULL, 0);
	for (unsigned int i = 0; i < fx_n_captures; i++) {
		struct pt_dpi_flow df;
		struct fx_fields f;
		char json[4096];
		const struct pt_dpi_result *r = fx_classify(dpi, &df, fx_captures[i].name, &f);

		assert_non_null(r);
		fx_json(r, json, sizeof(json));
		assert_true(strlen(json) < 2048);
		pt_dpi_flow_release(dpi, &df);
	}
	pt_dpi_free(dpi);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_objects),
		cmocka_unit_test(test_rendering),
		cmocka_unit_test(test_copy_str),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_all_captures_well_formed),
	};

	return cmocka_run_group_tests_name("dpi_walk", tests, NULL, NULL);
}
