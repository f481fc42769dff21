/* SPDX-License-Identifier: BSD-3-Clause */
/* test_dpi_protocols.c - Fields extracted from real TLS, QUIC, DNS, HTTP and SSH captures, checked against the values chosen, openssl, ndpiReader and tshark. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "fixtures.h"
#include "fixtures_expect.h"

static int setup(void **state)
{
	struct pt_dpi_config cfg;
	char err[160];

	pt_dpi_config_default(&cfg);
	cfg.max_states = 8;
	cfg.max_results = 8;
	*state = pt_dpi_create(&cfg, err, sizeof(err));
	return *state == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	struct pt_dpi *dpi = *state;
	struct pt_dpi_stats st;

	pt_dpi_stats(dpi, &st);
	/* Every test releases its flows: nothing may stay taken. */
	assert_int_equal(st.states_in_use, 0);
	assert_int_equal(st.results_in_use, 0);
	pt_dpi_free(dpi);
	return 0;
}

#define assert_field(f, name, expected)                                                                              \
	do {                                                                                                           \
		const char *v_ = fx_get((f), (name));                                                                  \
		if (v_ == NULL)                                                                                        \
			fail_msg("%s is absent, expected \"%s\"", (name), (expected));                                \
		assert_string_equal(v_, (expected));                                                                   \
	} while (0)

#define assert_absent(f, name)                                                                                       \
	do {                                                                                                           \
		const char *v_ = fx_get((f), (name));                                                                  \
		if (v_ != NULL)                                                                                        \
			fail_msg("%s should be absent, is \"%s\"", (name), v_);                                       \
	} while (0)

/* nDPI and tshark print digests in different cases; compare them as hex. */
static void assert_digest(const struct fx_fields *f, const char *name, const char *expected)
{
	const char *v = fx_get(f, name);

	if (v == NULL)
		fail_msg("%s is absent, expected %s", name, expected);
	assert_int_equal(strlen(v), 32);
	if (strcasecmp(v, expected) != 0)
		fail_msg("%s is %s, expected %s", name, v, expected);
	for (const char *p = v; *p; p++) /* podtap writes digests in lowercase, as JA3 and HASSH are usually written */
		assert_true((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'));
}

static void test_tls12_certificate(void **state)
{
	struct pt_dpi *dpi = *state;
	struct pt_dpi_flow df;
	struct fx_fields f;
	const struct pt_dpi_result *r = fx_classify(dpi, &df, "tls12", &f);

	assert_non_null(r);
	assert_int_equal(r->end, PT_DPI_END_DETECTED);
	assert_int_equal(r->kind, PT_DPI_KIND_TLS);
	assert_field(&f, "network.protocol", "tls");
	assert_field(&f, "podtap.dpi.protocol", "TLS");
	assert_field(&f, "podtap.dpi.category", "Web");
	assert_field(&f, "podtap.dpi.confidence", "DPI");
	assert_field(&f, "tls.client.server_name", FX_SNI_TLS);
	assert_field(&f, "tls.version", "1.2");
	assert_field(&f, "tls.version_protocol", "tls");
	assert_field(&f, "tls.cipher", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384");
	assert_digest(&f, "tls.client.ja3", FX_TLS12_JA3C);
	assert_digest(&f, "tls.client.ja3", FX_TSHARK_TLS12_JA3);
	assert_digest(&f, "tls.server.ja3s", FX_TLS12_JA3S);
	assert_digest(&f, "tls.server.ja3s", FX_TSHARK_TLS12_JA3S);
	/* The certificate the server sent, as openssl describes it. */
	assert_field(&f, "tls.server.x509.subject.distinguished_name", FX_LEAF_SUBJECT);
	assert_field(&f, "tls.server.x509.issuer.distinguished_name", FX_LEAF_ISSUER);
	assert_field(&f, "tls.server.hash.sha1", FX_LEAF_SHA1);
	assert_non_null(fx_get(&f, "tls.server.not_before"));
	assert_non_null(fx_get(&f, "tls.server.not_after"));
	assert_true(r->u.tls.not_after > r->u.tls.not_before);
	assert_int_equal(r->u.tls.not_after - r->u.tls.not_before, 90 * 86400); /* openssl -days 90 */
	assert_absent(&f, "podtap.dpi.risks[0]");
	assert_absent(&f, "user_agent.original");
	assert_absent(&f, "tls.client.supported_ciphers"); /* nDPI 4.2 keeps no cipher list */
	/* Classification ended with the certificate, well before the flow did. */
	assert_true(r->packets >= 2 && r->packets < fx_payload_frames(fx_find("tls12")));
	pt_dpi_flow_release(dpi, &df);
}

static void test_tls13(void **state)
{
	struct pt_dpi *dpi = *state;
	struct pt_dpi_flow df;
	struct fx_fields f;
	const struct pt_dpi_result *r = fx_classify(dpi, &df, "tls13", &f);

	assert_non_null(r);
	assert_int_equal(r->end, PT_DPI_END_DETECTED);
	assert_field(&f, "network.protocol", "tls");
	assert_field(&f, "tls.client.server_name", FX_SNI_TLS);
	assert_field(&f, "tls.version", "1.3");
	assert_field(&f, "tls.cipher", "TLS_AES_256_GCM_SHA384");
	assert_digest(&f, "tls.client.ja3", FX_TLS13_JA3C);
	assert_digest(&f, "tls.client.ja3", FX_TSHARK_TLS13_JA3);
	assert_digest(&f, "tls.server.ja3s", FX_TLS13_JA3S);
	assert_digest(&f, "tls.server.ja3s", FX_TSHARK_TLS13_JA3S);
	/* TLS 1.3 encrypts the certificate: no subject, issuer or fingerprint, and no waiting for them. */
	assert_absent(&f, "tls.server.x509.subject.distinguished_name");
	assert_absent(&f, "tls.server.hash.sha1");
	assert_absent(&f, "tls.server.not_after");
	assert_true(r->packets < 8);
	pt_dpi_flow_release(dpi, &df);
}

static void test_tls_self_signed_risk(void **state)
{
	struct pt_dpi *dpi = *state;
	struct pt_dpi_flow df;
	struct fx_fields f;
	const struct pt_dpi_result *r = fx_classify(dpi, &df, "tls_selfsigned", &f);

	assert_non_null(r);
	assert_field(&f, "tls.client.server_name", FX_SNI_SELF);
	assert_field(&f, "tls.server.x509.subject.distinguished_name", FX_SELF_SUBJECT);
	assert_field(&f, "tls.server.x509.issuer.distinguished_name", FX_SELF_SUBJECT);
	assert_field(&f, "tls.server.hash.sha1", FX_SELF_SHA1);
	assert_field(&f, "tls.cipher", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
	assert_digest(&f, "tls.client.ja3", FX_SELF_JA3C);
	assert_digest(&f, "tls.server.ja3s", FX_SELF_JA3S);
	/* The risk ndpiReader reports for this flow, and only it. */
	assert_field(&f, "podtap.dpi.risks[0]", "Self-signed Certificate");
	assert_absent(&f, "podtap.dpi.risks[1]");
	assert_true(r->risks & (1ULL << 6)); /* NDPI_TLS_SELFSIGNED_CERTIFICATE */
	pt_dpi_flow_release(dpi, &df);
}

/* nDPI checks certificate validity against packet time, so the fixtures stay valid: the same flow seen a
 * year later carries the expiry risk. */
static void test_tls_expiry_uses_packet_time(void **state)
{
	struct pt_dpi *dpi = *state;
	const struct fx_capture *c = fx_find("tls12");
	struct pt_decode_options opt;
	struct pt_dpi_flow df = PT_DPI_FLOW_INIT;
	struct fx_fields f;

	pt_decode_options_default(&opt);
	for (uint32_t i = 0; i < c->n_frames; i++) {
		struct pt_decoded pkt;

		if (pt_decode_frame(c->frames[i].data, c->frames[i].len, c->frames[i].wire_len, &opt, &pkt) != PT_DECODE_OK)
			continue;
		if (!pt_dpi_packet_decoded(dpi, &df, c->frames[i].data, &pkt,
					   c->frames[i].ts_ns + 365ULL * 86400 * 1000000000ULL))
			break;
	}
	pt_dpi_flow_end(dpi, &df);
	fx_flatten(pt_dpi_flow_result(dpi, &df), &f);
	assert_field(&f, "podtap.dpi.risks[0]", "TLS Expired Certificate");
	pt_dpi_flow_release(dpi, &df);
}

static void test_quic_initial(void **state)
{
	struct pt_dpi *dpi = *state;
	struct pt_dpi_flow df;
	struct fx_fields f;
	const struct pt_dpi_result *r = fx_classify(dpi, &df, "quic", &f);

	assert_non_null(r);
	assert_int_equal(r->kind, PT_DPI_KIND_QUIC);
	assert_field(&f, "network.protocol", "quic");
	assert_field(&f, "podtap.dpi.protocol", "QUIC");
	assert_field(&f, "tls.client.server_name", FX_SNI_QUIC);
	assert_field(&f, "tls.version", "1.3");
	assert_digest(&f, "tls.client.ja3", FX_QUIC_JA3C);
	/* Only the client Initial is decrypted: no JA3S, no certificate. quic-go sends no User-Agent. */
	assert_absent(&f, "tls.server.ja3s");
	assert_absent(&f, "tls.server.hash.sha1");
	assert_absent(&f, "user_agent.original");
	/* The first Initial says it all. */
	assert_int_equal(r->packets, 1);
	pt_dpi_flow_release(dpi, &df);
}

static void test_dns_a(void **state)
{
	struct pt_dpi *dpi = *state;
	struct pt_dpi_flow df;
	struct fx_fields f;
	const struct pt_dpi_result *r = fx_classify(dpi, &df, "dns_a", &f);

	assert_non_null(r);
	assert_int_equal(r->end, PT_DPI_END_DETECTED);
	assert_field(&f, "network.protocol", "dns");
	assert_field(&f, "podtap.dpi.category", "Network");
	assert_field(&f, "dns.question.name", FX_DNS_NAME);
	assert_field(&f, "dns.question.type", "A");
	assert_field(&f, "dns.response_code", "NOERROR");
	assert_field(&f, "dns.answers[0].type", "A");
	assert_field(&f, "dns.answers[0].data", FX_DNS_A);
	assert_field(&f, "dns.resolved_ip[0]", FX_DNS_A);
	assert_absent(&f, "dns.answers[1].data");
	assert_int_equal(r->packets, 2);
	pt_dpi_flow_release(dpi, &df);
}

static void test_dns_aaaa(void **state)
{
	struct pt_dpi *dpi = *state;
	struct pt_dpi_flow df;
	struct fx_fields f;

	assert_non_null(fx_classify(dpi, &df, "dns_aaaa", &f));
	assert_field(&f, "dns.question.name", FX_DNS_NAME);
	assert_field(&f, "dns.question.type", "AAAA");
	assert_field(&f, "dns.answers[0].type", "AAAA");
	assert_field(&f, "dns.answers[0].data", FX_DNS_AAAA);
	assert_field(&f, "dns.resolved_ip[0]", FX_DNS_AAAA);
	pt_dpi_flow_release(dpi, &df);
}

static void test_dns_nxdomain(void **state)
{
	struct pt_dpi *dpi = *state;
	struct pt_dpi_flow df;
	struct fx_fields f;

	assert_non_null(fx_classify(dpi, &df, "dns_nxdomain", &f));
	assert_field(&f, "dns.question.name", FX_DNS_NX);
	assert_field(&f, "dns.response_code", "NXDOMAIN");
	/* ndpiReader prints "::" for this flow's answer: nDPI's zeroed address. It is no answer. */
	assert_absent(&f, "dns.answers[0].data");
	assert_absent(&f, "dns.resolved_ip[0]");
	pt_dpi_flow_release(dpi, &df);
}

/* A query whose response never comes: the flow ends while nDPI still waits for it. */
static void test_dns_query_only(void **state)
{
	struct pt_dpi *dpi = *state;
	struct pt_dpi_flow df = PT_DPI_FLOW_INIT;
	struct fx_fields f;
	const struct pt_dpi_result *r;

	assert_int_equal(fx_feed(dpi, &df, fx_find("dns_a"), 0, 1), 1);
	assert_int_equal(df.status, PT_DPI_STATUS_ACTIVE);
	pt_dpi_flow_end(dpi, &df);
	r = pt_dpi_flow_result(dpi, &df);
	assert_non_null(r);
	assert_int_equal(r->end, PT_DPI_END_FLOW_END);
	fx_flatten(r, &f);
	assert_field(&f, "network.protocol", "dns");
	assert_field(&f, "dns.question.name", FX_DNS_NAME);
	assert_absent(&f, "dns.response_code");
	assert_absent(&f, "dns.answers[0].data");
	assert_field(&f, "podtap.dpi.packets", "1");
	pt_dpi_flow_release(dpi, &df);
}

static void test_http(void **state)
{
	struct pt_dpi *dpi = *state;
	struct pt_dpi_flow df;
	struct fx_fields f;
	char json[2048];
	const struct pt_dpi_result *r = fx_classify(dpi, &df, "http", &f);

	assert_non_null(r);
	assert_int_equal(r->end, PT_DPI_END_DETECTED);
	assert_field(&f, "network.protocol", "http");
	assert_field(&f, "url.domain", FX_HTTP_HOST);
	assert_field(&f, "url.path", "/hello.txt");
	assert_absent(&f, "url.query");
	assert_field(&f, "http.request.method", "GET");
	assert_field(&f, "http.version", "1.1");
	assert_field(&f, "http.response.status_code", "200");
	assert_field(&f, "user_agent.original", FX_HTTP_UA);
	assert_absent(&f, "podtap.dpi.risks[0]");
	/* The whole of it, as the record formatter will write it. */
	fx_json(r, json, sizeof(json));
	assert_string_equal(json,
			    "\"network\":{\"protocol\":\"http\"},"
			    "\"url\":{\"domain\":\"" FX_HTTP_HOST "\",\"path\":\"/hello.txt\"},"
			    "\"http\":{\"request\":{\"method\":\"GET\"},\"response\":{\"status_code\":200},\"version\":\"1.1\"},"
			    "\"user_agent\":{\"original\":\"" FX_HTTP_UA "\"},"
			    "\"podtap\":{\"dpi\":{\"protocol\":\"HTTP\",\"category\":\"Web\",\"confidence\":\"DPI\",\"packets\":3}}");
	pt_dpi_flow_release(dpi, &df);
}

static void test_ssh_default_client(void **state)
{
	struct pt_dpi *dpi = *state;
	struct pt_dpi_flow df;
	struct fx_fields f;
	const struct pt_dpi_result *r = fx_classify(dpi, &df, "ssh", &f);

	assert_non_null(r);
	assert_field(&f, "network.protocol", "ssh");
	assert_field(&f, "podtap.dpi.category", "RemoteAccess");
	assert_field(&f, "podtap.dpi.ssh.client", FX_SSH_BANNER);
	assert_field(&f, "podtap.dpi.ssh.server", FX_SSH_BANNER);
	assert_digest(&f, "podtap.dpi.ssh.hassh_server", FX_SSH_HASSH_S);
	assert_digest(&f, "podtap.dpi.ssh.hassh_server", FX_TSHARK_SSH_HASSH_SERVER);
	/* OpenSSH 9.2's client KEXINIT spans two TCP segments; nDPI 4.2 does not reassemble it and reports the
	 * MD5 of nothing (ndpiReader prints it). That names no client, so podtap leaves the field out rather than
	 * write tshark's value (FX_TSHARK_SSH_HASSH) or a constant. */
	assert_string_equal(FX_SSH_HASSH_C, "D41D8CD98F00B204E9800998ECF8427E");
	assert_absent(&f, "podtap.dpi.ssh.hassh");
	pt_dpi_flow_release(dpi, &df);
}

static void test_ssh_hassh_both(void **state)
{
	struct pt_dpi *dpi = *state;
	struct pt_dpi_flow df;
	struct fx_fields f;
	const struct pt_dpi_result *r = fx_classify(dpi, &df, "ssh_short", &f);

	assert_non_null(r);
	assert_int_equal(r->end, PT_DPI_END_DETECTED); /* both HASSHes: nothing left to wait for */
	assert_field(&f, "podtap.dpi.ssh.client", FX_SSH_BANNER);
	assert_digest(&f, "podtap.dpi.ssh.hassh", FX_SSH_SHORT_HASSH_C);
	assert_digest(&f, "podtap.dpi.ssh.hassh", FX_TSHARK_SSH_SHORT_HASSH);
	assert_digest(&f, "podtap.dpi.ssh.hassh_server", FX_SSH_SHORT_HASSH_S);
	/* SSH has no ECS fields of its own and puts nothing under tls/url. */
	assert_absent(&f, "tls.client.server_name");
	assert_absent(&f, "url.domain");
	pt_dpi_flow_release(dpi, &df);
}

static void test_unknown_tcp(void **state)
{
	struct pt_dpi *dpi = *state;
	struct pt_dpi_flow df;
	struct fx_fields f;
	const struct pt_dpi_result *r = fx_classify(dpi, &df, "tcp_unknown", &f);

	/* Random bytes on port 9000: ndpiReader says Unknown too. After 32 packets podtap stops trying. */
	assert_non_null(r);
	assert_int_equal(r->end, PT_DPI_END_PACKET_CAP);
	assert_int_equal(r->packets, 32);
	assert_absent(&f, "network.protocol");
	assert_absent(&f, "podtap.dpi.protocol");
	assert_absent(&f, "podtap.dpi.category");
	assert_absent(&f, "podtap.dpi.confidence");
	assert_field(&f, "podtap.dpi.packets", "32");
	assert_int_equal(f.n, 1);
	pt_dpi_flow_release(dpi, &df);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tls12_certificate),
		cmocka_unit_test(test_tls13),
		cmocka_unit_test(test_tls_self_signed_risk),
		cmocka_unit_test(test_tls_expiry_uses_packet_time),
		cmocka_unit_test(test_quic_initial),
		cmocka_unit_test(test_dns_a),
		cmocka_unit_test(test_dns_aaaa),
		cmocka_unit_test(test_dns_nxdomain),
		cmocka_unit_test(test_dns_query_only),
		cmocka_unit_test(test_http),
		cmocka_unit_test(test_ssh_default_client),
		cmocka_unit_test(test_ssh_hassh_both),
		cmocka_unit_test(test_unknown_tcp),
	};

	return cmocka_run_group_tests_name("dpi_protocols", tests, setup, teardown);
}
