/* SPDX-License-Identifier: BSD-3-Clause */
/* test_output.c - Unit tests for lib/output: JSON escaping and overflow, ECS flow records, Redis URLs. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "pt_output.h"

static void test_json_escaping_and_nesting(void **state)
{
	char buf[256];
	struct pt_json j;
	int n;

	(void)state;
	pt_json_init(&j, buf, sizeof(buf));
	pt_json_begin_object(&j, NULL);
	pt_json_string(&j, "s", "a\"b\\c\n\x01");
	pt_json_begin_object(&j, "o");
	pt_json_u64(&j, "n", 18446744073709551615ULL);
	pt_json_bool(&j, "t", true);
	pt_json_end_object(&j);
	pt_json_begin_array(&j, "a");
	pt_json_string(&j, NULL, "x");
	pt_json_string(&j, NULL, "y");
	pt_json_end_array(&j);
	pt_json_end_object(&j);
	n = pt_json_finish(&j);
	assert_int_equal(n, (int)strlen(buf));
	assert_string_equal(buf, "{\"s\":\"a\\\"b\\\\c\\n\\u0001\",\"o\":{\"n\":18446744073709551615,\"t\":true},"
				 "\"a\":[\"x\",\"y\"]}");
}

static void test_json_utf8(void **state)
{
	char buf[128];
	struct pt_json j;

	(void)state;
	pt_json_init(&j, buf, sizeof(buf));
	/* valid 2-, 3- and 4-byte sequences pass; a lone continuation, a truncated sequence, an overlong form and
	 * a surrogate are replaced */
	pt_json_string(&j, NULL, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80|\x80|\xe2\x82|\xc0\xaf|\xed\xa0\x80");
	assert_true(pt_json_finish(&j) > 0);
	assert_string_equal(buf, "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80|\\ufffd|\\ufffd\\ufffd|\\ufffd\\ufffd|"
				 "\\ufffd\\ufffd\\ufffd\"");
}

static void test_json_overflow_is_reported(void **state)
{
	char buf[16];
	struct pt_json j;

	(void)state;
	pt_json_init(&j, buf, sizeof(buf));
	pt_json_begin_object(&j, NULL);
	pt_json_string(&j, "key", "a value longer than the buffer");
	pt_json_end_object(&j);
	assert_int_equal(pt_json_finish(&j), -ENOSPC);
	assert_string_equal(buf, "");
}

static void make_tcp_record(struct pt_flow_record *rec)
{
	struct pt_flow *f = &rec->flow;

	memset(rec, 0, sizeof(*rec));
	f->key.ip_version = 4;
	f->key.proto = 6;
	memcpy(f->key.addr[0], (uint8_t[]){ 10, 244, 1, 10 }, 4);
	memcpy(f->key.addr[1], (uint8_t[]){ 203, 0, 113, 10 }, 4);
	f->key.port[0] = 40000;
	f->key.port[1] = 443;
	f->orig_side = 0;
	f->first_ns = 1764786900000000000ULL;
	f->last_ns = 1764786900500000000ULL;
	f->packets[0] = 5;
	f->packets[1] = 4;
	f->bytes[0] = 500;
	f->bytes[1] = 4000;
	f->tcp_seen[0] = PT_FLOW_TCP_SYN | PT_FLOW_TCP_ACK | PT_FLOW_TCP_DATA | PT_FLOW_TCP_FIN;
	f->tcp_seen[1] = PT_FLOW_TCP_SYNACK | PT_FLOW_TCP_ACK | PT_FLOW_TCP_DATA | PT_FLOW_TCP_FIN;
	snprintf(f->history, sizeof(f->history), "ShADadFf");
	f->vlan_count = 2;
	f->vlan_ids[0] = 300;
	f->vlan_ids[1] = 100;
	rec->event = PT_FLOW_EVENT_END_CLOSED;
	rec->now_ns = f->last_ns;
	rec->orig_scope = PT_SCOPE_POD;
	rec->resp_scope = PT_SCOPE_EXTERNAL;
}

static const char *format(const struct pt_flow_record *rec, const char *domain, char *buf, size_t len)
{
	struct pt_json j;

	struct pt_flow_context ctx = { .observer_name = "sensor-1", .destination_domain = domain };

	pt_json_init(&j, buf, len);
	pt_output_format_flow(&j, rec, &ctx);
	assert_true(pt_json_finish(&j) > 0);
	return buf;
}

static void test_flow_record_fields(void **state)
{
	struct pt_flow_record rec;
	char buf[4096];

	(void)state;
	make_tcp_record(&rec);
	format(&rec, NULL, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"@timestamp\":\"2025-12-03T18:35:00.500000Z\""));
	assert_non_null(strstr(buf, "\"type\":[\"connection\",\"end\"],\"action\":\"flow_end\""));
	assert_non_null(strstr(buf, "\"duration\":500000000"));
	assert_non_null(strstr(buf, "\"source\":{\"ip\":\"10.244.1.10\",\"port\":40000,\"packets\":5,\"bytes\":500}"));
	assert_non_null(strstr(buf, "\"destination\":{\"ip\":\"203.0.113.10\",\"port\":443,\"packets\":4,\"bytes\":4000}"));
	assert_non_null(strstr(buf, "\"transport\":\"tcp\",\"iana_number\":\"6\",\"type\":\"ipv4\",\"direction\":\"outbound\""));
	assert_non_null(strstr(buf, "\"packets\":9,\"bytes\":4500"));
	assert_non_null(strstr(buf, "\"vlan\":{\"id\":\"300\"},\"inner\":{\"vlan\":{\"id\":\"100\"}}"));
	assert_non_null(strstr(buf, "\"conn_state\":\"SF\",\"history\":\"ShADadFf\",\"end_reason\":\"closed\""));
	assert_null(strstr(buf, "tunnel"));
	assert_null(strstr(buf, "icmp"));
	assert_null(strstr(buf, "domain"));
	format(&rec, "api.example.com", buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"destination\":{\"ip\":\"203.0.113.10\",\"domain\":\"api.example.com\",\"port\":443,"));
}

static void test_flow_record_orientation_and_update(void **state)
{
	struct pt_flow_record rec;
	char buf[4096];

	(void)state;
	make_tcp_record(&rec);
	rec.flow.orig_side = 1;        /* the higher key side started it */
	rec.event = PT_FLOW_EVENT_UPDATE;
	rec.now_ns = 1764786960000000000ULL;
	format(&rec, NULL, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"@timestamp\":\"2025-12-03T18:36:00.000000Z\""));
	assert_non_null(strstr(buf, "\"action\":\"flow_update\""));
	assert_non_null(strstr(buf, "[\"connection\",\"info\"]"));
	assert_non_null(strstr(buf, "\"source\":{\"ip\":\"203.0.113.10\",\"port\":443,"));
	assert_null(strstr(buf, "end_reason"));
}

static void test_flow_record_icmp_and_tunnel(void **state)
{
	struct pt_flow_record rec;
	struct pt_flow *f = &rec.flow;
	char buf[4096];

	(void)state;
	make_tcp_record(&rec);
	f->key.proto = 1;
	f->key.port[0] = 8;            /* echo request, keyed with its counterpart 0 */
	f->key.port[1] = 0;
	f->history[0] = '\0';
	f->tunnel_depth = 1;
	f->tunnel_type = PT_TUNNEL_VXLAN;
	f->tunnel_id = 42;
	f->tunnel_ip_version = 4;
	memcpy(f->tunnel_src, (uint8_t[]){ 192, 168, 0, 11 }, 4);
	memcpy(f->tunnel_dst, (uint8_t[]){ 192, 168, 0, 12 }, 4);
	format(&rec, NULL, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"source\":{\"ip\":\"10.244.1.10\",\"packets\""));
	assert_non_null(strstr(buf, "\"transport\":\"icmp\""));
	assert_non_null(strstr(buf, "\"icmp\":{\"type\":8,\"code\":0}"));
	assert_non_null(strstr(buf, "\"tunnel\":{\"type\":\"vxlan\",\"id\":42,\"source_ip\":\"192.168.0.11\","
				    "\"destination_ip\":\"192.168.0.12\",\"depth\":1}"));
	assert_null(strstr(buf, "history"));
	/* A one-way type (port unreachable 3/3) reports its code. */
	f->key.port[0] = 3;
	f->key.port[1] = 3;
	format(&rec, NULL, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"icmp\":{\"type\":3,\"code\":3}"));
}

/* Every part of a record at once, for an exact comparison: the line must not change by a byte. */
static struct pt_workload *make_rich_record(struct pt_flow_record *rec)
{
	static const char identity[] = "{\"kind\":\"pod\",\"namespace\":\"shop\",\"pod\":\"cart-0\",\"pod_uid\":\"a1b2\","
				       "\"workload_kind\":\"StatefulSet\",\"workload\":\"cart\",\"node\":\"node-b\","
				       "\"service_account\":\"cart\",\"labels\":{\"app\":\"cart\",\"q\\\"k\":\"v\\\\\\n\"}}";
	static const uint8_t server[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x80 };
	static const uint8_t client[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a, 0, 0x11 };
	struct pt_flow *f = &rec->flow;
	struct pt_dpi_result *d = &rec->dpi;
	struct pt_workload *w = pt_workload_parse(identity, strlen(identity), NULL, 0);

	assert_non_null(w);
	make_tcp_record(rec);
	f->key.ip_version = 6;
	memcpy(f->key.addr[0], server, 16);      /* 2001:db8:0:1::80 is the lower side; the client fd00::a:11 started */
	memcpy(f->key.addr[1], client, 16);
	f->key.port[0] = 443;
	f->key.port[1] = 45000;
	f->orig_side = 1;
	f->packets[0] = 0;
	f->bytes[0] = UINT64_MAX;
	f->vlan_count = 1;
	f->tunnel_depth = 1;
	f->tunnel_type = PT_TUNNEL_VXLAN;
	f->tunnel_id = 7;
	f->tunnel_ip_version = 4;
	memcpy(f->tunnel_src, (uint8_t[]){ 192, 0, 2, 1 }, 4);
	memcpy(f->tunnel_dst, (uint8_t[]){ 192, 0, 2, 2 }, 4);
	rec->event = PT_FLOW_EVENT_UPDATE;
	rec->now_ns = 1764786961000001000ULL;
	rec->geo[1].flags = PT_GEO_F_COUNTRY | PT_GEO_F_AS_NUMBER | PT_GEO_F_AS_ORG;
	memcpy(rec->geo[1].country_iso_code, "NL", 3);
	rec->geo[1].as_number = 64500;
	snprintf(rec->geo[1].as_organization, sizeof(rec->geo[1].as_organization), "Caf\xc3\xa9 \"Net\" \\ B.V.\x01\xff");
	rec->has_identity = true;
	rec->identity_generation = 7;
	rec->workload[0] = w;
	rec->workload_match[0] = PT_WORKLOAD_MATCH_ADDRESS;
	rec->has_dpi = true;
	d->kind = PT_DPI_KIND_TLS;
	d->confidence = 4;                       /* NDPI_CONFIDENCE_DPI */
	d->packets = 6;
	snprintf(d->protocol, sizeof(d->protocol), "tls");
	snprintf(d->dpi_protocol, sizeof(d->dpi_protocol), "TLS");
	snprintf(d->category, sizeof(d->category), "Web");
	snprintf(d->server_name, sizeof(d->server_name), "www.example.com");
	snprintf(d->u.tls.ja3, sizeof(d->u.tls.ja3), "cd08e31494f9531f560d64c695473da9");
	d->u.tls.version = 0x0303;
	d->u.tls.cipher = 0xc02f;
	d->u.tls.not_before = 1761000000;
	snprintf(d->u.tls.subject, sizeof(d->u.tls.subject), "CN=example.com, O=\"Ex\"");
	return w;
}

static void test_flow_record_exact(void **state)
{
	static const char want[] =
		"{\"@timestamp\":\"2025-12-03T18:36:01.000001Z\",\"event\":{\"kind\":\"event\",\"category\":[\"network\"]"
		",\"type\":[\"connection\",\"info\"],\"action\":\"flow_update\",\"start\":\"2025-12-03T18:35:00.000000Z\""
		",\"end\":\"2025-12-03T18:35:00.500000Z\",\"duration\":500000000},\"source\":{\"ip\":\"fd00::a:11\""
		",\"port\":45000,\"packets\":0,\"bytes\":18446744073709551615,\"kubernetes\":{\"namespace\":\"shop\""
		",\"pod\":{\"name\":\"cart-0\",\"uid\":\"a1b2\"},\"workload\":{\"kind\":\"StatefulSet\",\"name\":\"cart\"}"
		",\"node\":{\"name\":\"node-b\"},\"service_account\":\"cart\",\"labels\":{\"app\":\"cart\",\"q\\\"k\":\"v\\\\\\n\"}}}"
		",\"destination\":{\"ip\":\"2001:db8:0:1::80\",\"domain\":\"example.com\",\"port\":443,\"packets\":4"
		",\"bytes\":4000,\"geo\":{\"country_iso_code\":\"NL\"},\"as\":{\"number\":64500"
		",\"organization\":{\"name\":\"Caf\xc3\xa9 \\\"Net\\\" \\\\ B.V.\\u0001\\ufffd\"}}},\"network\":{\"transport\":\"tcp\""
		",\"iana_number\":\"6\",\"type\":\"ipv6\",\"direction\":\"outbound\""
		",\"community_id\":\"1:gyooWybBCy4OiFKEArjv8mUR9cs=\",\"packets\":4,\"bytes\":3999,\"protocol\":\"tls\""
		",\"vlan\":{\"id\":\"300\"}},\"tls\":{\"version\":\"1.2\",\"version_protocol\":\"tls\""
		",\"cipher\":\"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\",\"client\":{\"server_name\":\"www.example.com\""
		",\"ja3\":\"cd08e31494f9531f560d64c695473da9\"},\"server\":{\"not_before\":\"2025-10-20T22:40:00.000000Z\""
		",\"x509\":{\"subject\":{\"distinguished_name\":\"CN=example.com, O=\\\"Ex\\\"\"}}}}"
		",\"observer\":{\"name\":\"sensor-1\",\"type\":\"sensor\",\"product\":\"podtap\"}"
		",\"podtap\":{\"flow\":{\"conn_state\":\"SF\",\"history\":\"ShADadFf\"},\"tunnel\":{\"type\":\"vxlan\",\"id\":7"
		",\"source_ip\":\"192.0.2.1\",\"destination_ip\":\"192.0.2.2\",\"depth\":1},\"identity\":{\"generation\":7"
		",\"source\":\"pod\",\"destination\":\"external\"},\"dpi\":{\"protocol\":\"TLS\",\"category\":\"Web\""
		",\"confidence\":\"DPI\",\"packets\":6}}}";
	struct pt_flow_record rec;
	char buf[4096];

	(void)state;
	make_rich_record(&rec);
	format(&rec, "example.com", buf, sizeof(buf));
	assert_string_equal(buf, want);
	/* Into buffers around its length: too small by one is an overflow, exactly enough is not. */
	for (size_t cap = strlen(want) - 2; cap <= strlen(want) + 1; cap++) {
		struct pt_flow_context ctx = { .observer_name = "sensor-1", .destination_domain = "example.com" };
		struct pt_json j;

		pt_json_init(&j, buf, cap);
		pt_output_format_flow(&j, &rec, &ctx);
		assert_int_equal(pt_json_finish(&j), cap > strlen(want) ? (int)strlen(want) : -ENOSPC);
	}
	pt_flow_record_release(&rec);
}

static void test_counters(void **state)
{
	struct pt_output_counters c;
	struct pt_json j;
	char buf[8192];

	(void)state;
	memset(&c, 0, sizeof(c));
	c.packets = 10;
	c.decode[PT_DECODE_OK] = 7;
	c.decode[PT_DECODE_TRUNC_IPV4] = 3;
	c.flows.ended[PT_FLOW_EVENT_END_EVICTED] = 2;
	c.capture.imissed = 4;
	pt_json_init(&j, buf, sizeof(buf));
	pt_output_format_counters(&j, &c, 1764786900000000000ULL, "s");
	assert_true(pt_json_finish(&j) > 0);
	assert_non_null(strstr(buf, "\"kind\":\"metric\",\"dataset\":\"podtap.stats\""));
	assert_non_null(strstr(buf, "\"packets\":10,"));
	assert_non_null(strstr(buf, "\"ok\":7,"));
	assert_non_null(strstr(buf, "\"trunc_ipv4\":3,"));
	assert_non_null(strstr(buf, "\"evicted\":2,"));
	assert_non_null(strstr(buf, "\"imissed\":4,"));
}

static void test_redis_urls(void **state)
{
	struct pt_redis_url u;
	char err[256];

	(void)state;
	assert_int_equal(pt_redis_url_parse("redis://127.0.0.1:6380", &u, err, sizeof(err)), 0);
	assert_string_equal(u.host, "127.0.0.1");
	assert_int_equal(u.port, 6380);
	assert_string_equal(u.password, "");
	assert_int_equal(pt_redis_url_parse("redis://:s3cret@redis.local/2", &u, err, sizeof(err)), 0);
	assert_string_equal(u.host, "redis.local");
	assert_int_equal(u.port, 6379);
	assert_string_equal(u.user, "");
	assert_string_equal(u.password, "s3cret");
	assert_int_equal(u.db, 2);
	assert_int_equal(pt_redis_url_parse("redis://podtap:p@ss@[::1]:7000", &u, err, sizeof(err)), 0);
	assert_string_equal(u.user, "podtap");
	assert_string_equal(u.password, "p@ss");
	assert_string_equal(u.host, "::1");
	assert_int_equal(u.port, 7000);
	assert_int_equal(pt_redis_url_parse("redis://::1", &u, err, sizeof(err)), 0);
	assert_string_equal(u.host, "::1");
	assert_int_equal(u.port, 6379);
	assert_int_equal(pt_redis_url_parse("unix:///run/redis/redis.sock", &u, err, sizeof(err)), 0);
	assert_string_equal(u.socket_path, "/run/redis/redis.sock");
	assert_int_equal(pt_redis_url_parse("http://x", &u, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "http://x"));
	assert_int_equal(pt_redis_url_parse("redis://host:99999", &u, err, sizeof(err)), -EINVAL);
	assert_int_equal(pt_redis_url_parse("redis://host/abc", &u, err, sizeof(err)), -EINVAL);
	assert_int_equal(pt_redis_url_parse("redis://", &u, err, sizeof(err)), -EINVAL);
	assert_int_equal(pt_redis_url_parse("unix://relative", &u, err, sizeof(err)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_escaping_and_nesting),
		cmocka_unit_test(test_json_utf8),
		cmocka_unit_test(test_json_overflow_is_reported),
		cmocka_unit_test(test_flow_record_fields),
		cmocka_unit_test(test_flow_record_orientation_and_update),
		cmocka_unit_test(test_flow_record_icmp_and_tunnel),
		cmocka_unit_test(test_flow_record_exact),
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_redis_urls),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
