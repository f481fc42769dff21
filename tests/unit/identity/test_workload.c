/* SPDX-License-Identifier: BSD-3-Clause */
/* test_workload.c - Unit tests for lib/identity's workload identities: parsing every member, refusals, long strings, references. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "pt_identity.h"
#include "pt_util.h"

static const char pod_json[] =
	"{\"kind\": \"pod\", \"namespace\": \"shop\", \"pod\": \"web-7d4f9-abcde\", "
	"\"pod_uid\": \"0d7c5b8e-6f0a-4a51-9b1e-2c1f7e0c9a11\", \"workload_kind\": \"Deployment\", \"workload\": \"web\", "
	"\"node\": \"node-1\", \"service_account\": \"web\", \"labels\": {\"app\": \"web\", \"pod-template-hash\": \"7d4f9\"}, "
	"\"images\": [\"registry.example/web:1.0\", \"registry.example/sidecar:2\"], \"start_time\": \"2026-01-02T03:04:06Z\", "
	"\"source\": \"podtap-k8s-sync\"}";

static struct pt_workload *parse(const char *json, char *err, size_t err_len)
{
	return pt_workload_parse(json, strlen(json), err, err_len);
}

static void test_parse_every_field(void **state)
{
	char err[256] = "untouched";
	struct pt_workload *w = parse(pod_json, err, sizeof(err));

	(void)state;
	assert_non_null(w);
	assert_string_equal(err, "");
	assert_int_equal(atomic_load(&w->refs), 1);
	assert_int_equal(w->kind, PT_WORKLOAD_POD);
	assert_string_equal(w->field[PT_WORKLOAD_F_NAMESPACE], "shop");
	assert_string_equal(w->field[PT_WORKLOAD_F_POD], "web-7d4f9-abcde");
	assert_string_equal(w->field[PT_WORKLOAD_F_POD_UID], "0d7c5b8e-6f0a-4a51-9b1e-2c1f7e0c9a11");
	assert_string_equal(w->field[PT_WORKLOAD_F_WORKLOAD_KIND], "Deployment");
	assert_string_equal(w->field[PT_WORKLOAD_F_WORKLOAD], "web");
	assert_string_equal(w->field[PT_WORKLOAD_F_NODE], "node-1");
	assert_string_equal(w->field[PT_WORKLOAD_F_SERVICE_ACCOUNT], "web");
	assert_string_equal(w->field[PT_WORKLOAD_F_START_TIME], "2026-01-02T03:04:06Z");
	assert_string_equal(w->field[PT_WORKLOAD_F_SOURCE], "podtap-k8s-sync");
	assert_int_equal(w->n_labels, 2);
	assert_string_equal(w->labels[0].key, "app");
	assert_string_equal(w->labels[0].value, "web");
	assert_string_equal(w->labels[1].key, "pod-template-hash");
	assert_string_equal(w->labels[1].value, "7d4f9");
	assert_int_equal(w->n_images, 2);
	assert_string_equal(w->images[0], "registry.example/web:1.0");
	assert_string_equal(w->images[1], "registry.example/sidecar:2");
	assert_int_equal(w->json_len, strlen(pod_json));
	assert_string_equal(w->json, pod_json);
	assert_ptr_not_equal(w->json, pod_json);           /* its own copy */
	pt_workload_release(w);
}

static void test_parse_kinds_and_escapes(void **state)
{
	static const char *const kinds[] = { "pod", "service", "node" };
	char json[256], err[256];
	struct pt_workload *w;

	(void)state;
	for (int k = 0; k < PT_WORKLOAD_KIND_MAX; k++) {
		snprintf(json, sizeof(json), "{\"kind\":\"%s\"}", kinds[k]);
		w = parse(json, err, sizeof(err));
		assert_non_null(w);
		assert_int_equal(w->kind, k);
		assert_string_equal(pt_workload_kind_name((enum pt_workload_kind)k), kinds[k]);
		pt_workload_release(w);
	}
	assert_string_equal(pt_workload_kind_name(PT_WORKLOAD_KIND_MAX), "unknown");
	assert_string_equal(pt_workload_kind_name((enum pt_workload_kind)200), "unknown");
	/* Escapes are decoded everywhere, the kind included. */
	w = parse("{\"kind\":\"\\u0070od\",\"namespace\":\"caf\\u00e9\",\"labels\":{\"k\\/x\":\"\\ud83d\\ude00\\n\"},"
		  "\"images\":[\"a\\\"b\"]}", err, sizeof(err));
	assert_non_null(w);
	assert_int_equal(w->kind, PT_WORKLOAD_POD);
	assert_string_equal(w->field[PT_WORKLOAD_F_NAMESPACE], "caf\xc3\xa9");
	assert_string_equal(w->labels[0].key, "k/x");
	assert_string_equal(w->labels[0].value, "\xf0\x9f\x98\x80\n");
	assert_string_equal(w->images[0], "a\"b");
	pt_workload_release(w);
}

/* Missing members are "" (none empty), unknown ones are ignored whatever their type. */
static void test_parse_missing_and_unknown(void **state)
{
	const char *json = " \n{\"future\":{\"x\":[1,{\"y\":null}]},\"kind\":\"node\",\"n\":1.5,\"t\":true,\"a\":[],"
			   "\"node\":\"node-1\",\"labels\":{},\"images\":[],\"z\":null} \n";
	char err[256];
	struct pt_workload *w = parse(json, err, sizeof(err));

	(void)state;
	assert_non_null(w);
	assert_int_equal(w->kind, PT_WORKLOAD_NODE);
	for (int f = 0; f < PT_WORKLOAD_FIELD_MAX; f++) {
		assert_non_null(w->field[f]);
		if (f != PT_WORKLOAD_F_NODE)
			assert_string_equal(w->field[f], "");
	}
	assert_string_equal(w->field[PT_WORKLOAD_F_NODE], "node-1");
	assert_int_equal(w->n_labels, 0);
	assert_int_equal(w->n_images, 0);
	assert_string_equal(w->json, json);
	pt_workload_release(w);

	w = parse("{\"kind\":\"service\"}", err, sizeof(err));
	assert_non_null(w);
	for (int f = 0; f < PT_WORKLOAD_FIELD_MAX; f++)
		assert_string_equal(w->field[f], "");
	assert_int_equal(w->n_labels + w->n_images, 0);
	pt_workload_release(w);
}

static void test_parse_refusals(void **state)
{
	static const char *const bad[] = {
		/* not a JSON object, not JSON */
		"", " ", "[]", "\"pod\"", "1", "null", "{", "{\"kind\":\"pod\"", "{\"kind\":\"pod\"}x", "{\"kind\":\"pod\",}",
		"{kind:\"pod\"}", "{\"kind\":\"pod\"}{}",
		/* the kind */
		"{}", "{\"namespace\":\"a\"}", "{\"kind\":\"\"}", "{\"kind\":\"Pod\"}", "{\"kind\":\"pods\"}", "{\"kind\":\"po\"}",
		"{\"kind\":1}", "{\"kind\":null}", "{\"kind\":[\"pod\"]}", "{\"kind\":{\"pod\":1}}", "{\"kind\":true}",
		"{\"kind\":\"a-kind-name-far-too-long-for-any\"}", "{\"kind\":\"pod\\u0000\"}",
		/* a member of the wrong type */
		"{\"kind\":\"pod\",\"namespace\":1}", "{\"kind\":\"pod\",\"pod\":null}", "{\"kind\":\"pod\",\"node\":[]}",
		"{\"kind\":\"pod\",\"source\":{}}", "{\"kind\":\"pod\",\"start_time\":false}",
		"{\"kind\":\"pod\",\"labels\":[]}", "{\"kind\":\"pod\",\"labels\":\"a=b\"}", "{\"kind\":\"pod\",\"labels\":null}",
		"{\"kind\":\"pod\",\"labels\":{\"a\":1}}", "{\"kind\":\"pod\",\"labels\":{\"a\":{}}}",
		"{\"kind\":\"pod\",\"labels\":{\"a\":null}}", "{\"kind\":\"pod\",\"images\":{}}",
		"{\"kind\":\"pod\",\"images\":\"x\"}", "{\"kind\":\"pod\",\"images\":[1]}", "{\"kind\":\"pod\",\"images\":[[\"x\"]]}",
		/* strings that cannot be C strings */
		"{\"kind\":\"pod\",\"pod\":\"a\\u0000b\"}", "{\"kind\":\"pod\",\"pod\":\"\\ud800\"}",
		"{\"kind\":\"pod\",\"labels\":{\"a\":\"\\udc00\"}}", "{\"kind\":\"pod\",\"images\":[\"\\u0000\"]}",
		"{\"kind\":\"pod\",\"labels\":{\"\\u0000\":\"v\"}}",
	};
	char err[256];

	(void)state;
	for (size_t i = 0; i < PT_ARRAY_SIZE(bad); i++) {
		memset(err, 0, sizeof(err));
		if (parse(bad[i], err, sizeof(err)) != NULL)
			fail_msg("'%s' parsed", bad[i]);
		if (err[0] == '\0' || strchr(err, '\n') != NULL)
			fail_msg("'%s': no one-line reason", bad[i]);
	}
	assert_null(pt_workload_parse(NULL, 0, err, sizeof(err)));
	assert_true(err[0] != '\0');
	/* No room for a reason is fine too. */
	assert_null(pt_workload_parse("{}", 2, NULL, 0));
	assert_null(pt_workload_parse("[]", 2, err, 1));
	assert_string_equal(err, "");
	/* The length bounds the text. */
	assert_null(pt_workload_parse("{\"kind\":\"pod\"}", 10, err, sizeof(err)));
	assert_true(err[0] != '\0');
}

/*
 * A top-level array with elements: pt_json_read() passes each element with key NULL, and workload.c's
 * parse_member() calls strcmp(key, "kind") on it. Run in a child process, so that a crash fails only this test.
 */
static void test_parse_array_with_elements(void **state)
{
	static const char *const bad[] = { "[1]", "[\"pod\"]", "[{\"kind\":\"pod\"}]" };

	(void)state;
	for (size_t i = 0; i < PT_ARRAY_SIZE(bad); i++) {
		pid_t pid = fork();
		int status;

		assert_true(pid >= 0);
		if (pid == 0) {
			char err[256] = "";
			struct pt_workload *w = parse(bad[i], err, sizeof(err));

			_exit(w == NULL && err[0] != '\0' ? 0 : 3);
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			fail_msg("pt_workload_parse(\"%s\") %s %d, want NULL with a reason", bad[i],
				 WIFSIGNALED(status) ? "died of signal" : "exited", WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	}
}

/* Count limits: 256 labels, 64 images, PT_WORKLOAD_JSON_MAX bytes of JSON. */
static void test_parse_limits(void **state)
{
	static char json[PT_WORKLOAD_JSON_MAX + 64];
	char err[256];
	struct pt_workload *w;
	int o;

	(void)state;
	for (int n = 255; n <= 257; n++) {
		o = sprintf(json, "{\"kind\":\"pod\",\"labels\":{");
		for (int i = 0; i < n; i++)
			o += sprintf(json + o, "%s\"k%d\":\"v%d\"", i ? "," : "", i, i);
		strcpy(json + o, "}}");
		w = parse(json, err, sizeof(err));
		if (n <= 256) {
			assert_non_null(w);
			assert_int_equal(w->n_labels, n);
			assert_string_equal(w->labels[n - 1].key, n == 256 ? "k255" : "k254");
			assert_string_equal(w->labels[n - 1].value, n == 256 ? "v255" : "v254");
			pt_workload_release(w);
		} else {
			assert_null(w);
			assert_non_null(strstr(err, "256"));
		}
	}
	for (int n = 63; n <= 65; n++) {
		o = sprintf(json, "{\"kind\":\"pod\",\"images\":[");
		for (int i = 0; i < n; i++)
			o += sprintf(json + o, "%s\"img%d\"", i ? "," : "", i);
		strcpy(json + o, "]}");
		w = parse(json, err, sizeof(err));
		if (n <= 64) {
			assert_non_null(w);
			assert_int_equal(w->n_images, n);
			assert_string_equal(w->images[n - 1], n == 64 ? "img63" : "img62");
			pt_workload_release(w);
		} else {
			assert_null(w);
			assert_non_null(strstr(err, "64"));
		}
	}
	/* Exactly PT_WORKLOAD_JSON_MAX bytes (padded with whitespace) is accepted; one more is not. */
	o = sprintf(json, "{\"kind\":\"pod\"}");
	memset(json + o, ' ', sizeof(json) - (size_t)o);
	w = pt_workload_parse(json, PT_WORKLOAD_JSON_MAX, err, sizeof(err));
	assert_non_null(w);
	assert_int_equal(w->json_len, PT_WORKLOAD_JSON_MAX);
	pt_workload_release(w);
	assert_null(pt_workload_parse(json, PT_WORKLOAD_JSON_MAX + 1, err, sizeof(err)));
	assert_true(err[0] != '\0');
}

/* A string member of @p prefix_len 'a's, then @p tail, then 'z's up to @p total bytes, as JSON; the decoded cut. */
static char *long_member(const char *member, size_t prefix_len, const char *tail_raw, size_t tail_decoded, size_t total)
{
	static char json[8192];
	int o = sprintf(json, "{\"kind\":\"pod\",%s", member);

	memset(json + o, 'a', prefix_len);
	o += (int)prefix_len;
	o += sprintf(json + o, "%s", tail_raw);
	for (size_t n = prefix_len + tail_decoded; n < total; n++)
		json[o++] = 'z';
	strcpy(json + o, member[1] == 'l' ? "\"}}" : member[1] == 'i' ? "\"]}" : "\"}");
	return json;
}

static void expect_cut(const char *member, size_t prefix, const char *tail, size_t tail_len, size_t total, size_t want)
{
	char err[256];
	const char *json = long_member(member, prefix, tail, tail_len, total);
	struct pt_workload *w = parse(json, err, sizeof(err));
	const char *got;

	if (w == NULL)
		fail_msg("%s of %zu bytes refused: %s", member, total, err);
	got = member[1] == 'l' ? w->labels[0].value : member[1] == 'i' ? w->images[0] : w->field[PT_WORKLOAD_F_NAMESPACE];
	if (strlen(got) != want)
		fail_msg("%s of %zu bytes (prefix %zu, tail '%s'): kept %zu bytes, want %zu", member, total, prefix, tail,
			 strlen(got), want);
	for (size_t i = 0; i < want && i < prefix; i++)
		assert_int_equal(got[i], 'a');
	assert_string_equal(w->json, json);                     /* the JSON is kept whole */
	pt_workload_release(w);
}

static void test_parse_long_strings(void **state)
{
	const char *const members[] = { "\"namespace\":\"", "\"labels\":{\"k\":\"", "\"images\":[\"" };

	(void)state;
	for (size_t m = 0; m < PT_ARRAY_SIZE(members); m++) {
		const char *mem = members[m];

		expect_cut(mem, 1023, "", 0, 1023, 1023);                          /* the longest kept whole */
		expect_cut(mem, 1024, "", 0, 1024, 1023);
		expect_cut(mem, 5000, "", 0, 5000, 1023);
		expect_cut(mem, 1022, "\xc3\xa9", 2, 1030, 1022);                  /* 2-byte char over the cut */
		expect_cut(mem, 1021, "\xc3\xa9", 2, 1030, 1023);                  /* ends right at the cut */
		expect_cut(mem, 1021, "\xe2\x82\xac", 3, 1030, 1021);              /* 3-byte char over the cut */
		expect_cut(mem, 1022, "\xe2\x82\xac", 3, 1030, 1022);
		expect_cut(mem, 1020, "\xe2\x82\xac", 3, 1030, 1023);
		expect_cut(mem, 1020, "\xf0\x9f\x98\x80", 4, 1030, 1020);          /* 4-byte char over the cut */
		expect_cut(mem, 1019, "\xf0\x9f\x98\x80", 4, 1030, 1023);
		expect_cut(mem, 1022, "\\ud83d\\ude00", 4, 1030, 1022);            /* escaped, decoded first */
		expect_cut(mem, 1021, "\\u20ac", 3, 1024, 1021);
		expect_cut(mem, 1010, "\\n\\t\\\"", 3, 2000, 1023);
	}
}

static void test_refcount(void **state)
{
	char err[256];
	struct pt_workload *w = parse(pod_json, err, sizeof(err));

	(void)state;
	assert_non_null(w);
	pt_workload_retain(w);
	pt_workload_retain(w);
	assert_int_equal(atomic_load(&w->refs), 3);
	pt_workload_release(w);
	pt_workload_release(w);
	assert_int_equal(atomic_load(&w->refs), 1);
	assert_string_equal(w->field[PT_WORKLOAD_F_POD], "web-7d4f9-abcde");
	pt_workload_release(w);                              /* frees: ASan reports a leak otherwise */
	pt_workload_retain(NULL);
	pt_workload_release(NULL);
}

static void *retain_release(void *arg)
{
	struct pt_workload *w = arg;

	for (int i = 0; i < 100000; i++) {
		pt_workload_retain(w);
		if (w->field[PT_WORKLOAD_F_NAMESPACE][0] != 's')
			return arg;
		pt_workload_release(w);
	}
	return NULL;
}

static void test_refcount_threads(void **state)
{
	char err[256];
	struct pt_workload *w = parse(pod_json, err, sizeof(err));
	pthread_t t[4];
	void *bad;

	(void)state;
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, retain_release, w), 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], &bad), 0);
		assert_null(bad);
	}
	assert_int_equal(atomic_load(&w->refs), 1);
	pt_workload_release(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_every_field),
		cmocka_unit_test(test_parse_kinds_and_escapes),
		cmocka_unit_test(test_parse_missing_and_unknown),
		cmocka_unit_test(test_parse_refusals),
		cmocka_unit_test(test_parse_array_with_elements),
		cmocka_unit_test(test_parse_limits),
		cmocka_unit_test(test_parse_long_strings),
		cmocka_unit_test(test_refcount),
		cmocka_unit_test(test_refcount_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
