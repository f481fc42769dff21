/* SPDX-License-Identifier: BSD-3-Clause */
/* fixtures.c - Helpers of the DPI tests: find a capture, feed its flow to pt_dpi, flatten and print results. */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures.h"

const struct fx_capture *fx_find(const char *name)
{
	for (unsigned int i = 0; i < fx_n_captures; i++)
		if (strcmp(fx_captures[i].name, name) == 0)
			return &fx_captures[i];
	fail_msg("no capture named %s in fixtures_data.c", name);
	return NULL;
}

struct flow_id {
	uint8_t a[16], b[16];
	uint16_t pa, pb;
	uint8_t proto;
	bool set;
};

static bool same_flow(struct flow_id *id, const struct pt_decoded *p)
{
	if (!id->set) {
		memcpy(id->a, p->src_addr, 16);
		memcpy(id->b, p->dst_addr, 16);
		id->pa = p->src_port;
		id->pb = p->dst_port;
		id->proto = p->l4_proto;
		id->set = true;
		return true;
	}
	if (p->l4_proto != id->proto)
		return false;
	if (memcmp(id->a, p->src_addr, 16) == 0 && memcmp(id->b, p->dst_addr, 16) == 0 && id->pa == p->src_port &&
	    id->pb == p->dst_port)
		return true;
	return memcmp(id->b, p->src_addr, 16) == 0 && memcmp(id->a, p->dst_addr, 16) == 0 && id->pb == p->src_port &&
	       id->pa == p->dst_port;
}

uint32_t fx_feed(struct pt_dpi *dpi, struct pt_dpi_flow *df, const struct fx_capture *c, uint32_t from, uint32_t to)
{
	struct pt_decode_options opt;
	struct flow_id id = { .set = false };
	uint32_t fed = 0;

	pt_decode_options_default(&opt);
	if (to > c->n_frames)
		to = c->n_frames;
	for (uint32_t i = 0; i < to; i++) {
		struct pt_decoded pkt;
		const struct fx_frame *fr = &c->frames[i];

		if (pt_decode_frame(fr->data, fr->len, fr->wire_len, &opt, &pkt) != PT_DECODE_OK)
			continue;
		if (!same_flow(&id, &pkt) || i < from)
			continue;
		fed++;
		if (!pt_dpi_packet_decoded(dpi, df, fr->data, &pkt, fr->ts_ns))
			break;
	}
	return fed;
}

uint32_t fx_payload_frames(const struct fx_capture *c)
{
	struct pt_decode_options opt;
	struct flow_id id = { .set = false };
	uint32_t n = 0;

	pt_decode_options_default(&opt);
	for (uint32_t i = 0; i < c->n_frames; i++) {
		struct pt_decoded pkt;

		if (pt_decode_frame(c->frames[i].data, c->frames[i].len, c->frames[i].wire_len, &opt, &pkt) != PT_DECODE_OK)
			continue;
		if (same_flow(&id, &pkt) && pkt.payload_len > 0)
			n++;
	}
	return n;
}

/* ---- flattening ------------------------------------------------------------------------------------ */

struct flat {
	struct fx_fields *f;
	unsigned int depth;
	char path[8][64];
	bool in_array[8];
	unsigned int index[8];
};

static void flat_name(struct flat *fl, const char *key, char *out, size_t len)
{
	size_t n = 0;

	out[0] = '\0';
	for (unsigned int d = 0; d < fl->depth; d++) {
		if (fl->path[d][0] != '\0') /* an object inside an array has no name of its own */
			n += (size_t)snprintf(out + n, len - n, "%s%s", n ? "." : "", fl->path[d]);
		if (fl->in_array[d] && d + 1 < fl->depth)
			n += (size_t)snprintf(out + n, len - n, "[%u]", fl->index[d]);
	}
	if (key != NULL)
		snprintf(out + n, len - n, "%s%s", n ? "." : "", key);
	else if (fl->depth > 0 && fl->in_array[fl->depth - 1])
		snprintf(out + n, len - n, "[%u]", fl->index[fl->depth - 1]++);
}

static void flat_cb(void *ctx, const struct pt_dpi_walk_item *it)
{
	struct flat *fl = ctx;
	struct fx_fields *f = fl->f;

	switch (it->event) {
	case PT_DPI_WALK_BEGIN_OBJECT:
	case PT_DPI_WALK_BEGIN_ARRAY:
		assert_true(fl->depth < 8);
		if (it->key != NULL)
			snprintf(fl->path[fl->depth], sizeof(fl->path[0]), "%s", it->key);
		else
			fl->path[fl->depth][0] = '\0';
		fl->in_array[fl->depth] = it->event == PT_DPI_WALK_BEGIN_ARRAY;
		fl->index[fl->depth] = 0;
		fl->depth++;
		break;
	case PT_DPI_WALK_END_OBJECT:
	case PT_DPI_WALK_END_ARRAY:
		assert_true(fl->depth > 0);
		fl->depth--;
		/* An object that was an array element moves the array's index on. */
		if (it->event == PT_DPI_WALK_END_OBJECT && fl->depth > 0 && fl->in_array[fl->depth - 1] &&
		    fl->path[fl->depth][0] == '\0')
			fl->index[fl->depth - 1]++;
		break;
	default:
		assert_true(f->n < FX_MAX_FIELDS);
		if (it->key == NULL && fl->depth > 0 && !fl->in_array[fl->depth - 1])
			fail_msg("value without a key outside an array");
		flat_name(fl, it->key, f->name[f->n], sizeof(f->name[0]));
		if (it->event == PT_DPI_WALK_STRING) {
			assert_non_null(it->str);
			assert_true(it->str[0] != '\0');
			snprintf(f->value[f->n], sizeof(f->value[0]), "%s", it->str);
		} else {
			snprintf(f->value[f->n], sizeof(f->value[0]), "%" PRIu64, it->num);
		}
		f->n++;
		break;
	}
}

void fx_flatten(const struct pt_dpi_result *r, struct fx_fields *f)
{
	struct flat fl = { .f = f, .depth = 0 };

	memset(f, 0, sizeof(*f));
	if (r == NULL)
		return;
	pt_dpi_result_walk(r, NULL, 0, flat_cb, &fl);
	assert_int_equal(fl.depth, 0);
}

const char *fx_get(const struct fx_fields *f, const char *name)
{
	for (unsigned int i = 0; i < f->n; i++)
		if (strcmp(f->name[i], name) == 0)
			return f->value[i];
	return NULL;
}

void fx_print(const char *title, const struct fx_fields *f)
{
	const char *v = getenv("PT_DPI_TEST_VERBOSE");

	if (v == NULL || v[0] == '0')
		return;
	fprintf(stderr, "# %s\n", title);
	for (unsigned int i = 0; i < f->n; i++)
		fprintf(stderr, "#   %s = %s\n", f->name[i], f->value[i]);
}

/* ---- JSON ----------------------------------------------------------------------------------------- */

struct jw {
	char *buf;
	size_t len, used;
	bool comma;
};

static void jw_put(struct jw *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void jw_put(struct jw *w, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(w->buf + w->used, w->len - w->used, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < w->len - w->used);
	w->used += (size_t)n;
}

static void jw_key(struct jw *w, const char *key)
{
	if (w->comma)
		jw_put(w, ",");
	if (key != NULL)
		jw_put(w, "\"%s\":", key);
}

static void json_cb(void *ctx, const struct pt_dpi_walk_item *it)
{
	struct jw *w = ctx;

	switch (it->event) {
	case PT_DPI_WALK_BEGIN_OBJECT:
		jw_key(w, it->key);
		jw_put(w, "{");
		w->comma = false;
		break;
	case PT_DPI_WALK_BEGIN_ARRAY:
		jw_key(w, it->key);
		jw_put(w, "[");
		w->comma = false;
		break;
	case PT_DPI_WALK_END_OBJECT:
		jw_put(w, "}");
		w->comma = true;
		break;
	case PT_DPI_WALK_END_ARRAY:
		jw_put(w, "]");
		w->comma = true;
		break;
	case PT_DPI_WALK_STRING:
		jw_key(w, it->key);
		jw_put(w, "\"%s\"", it->str); /* test values need no escaping */
		w->comma = true;
		break;
	case PT_DPI_WALK_U64:
	case PT_DPI_WALK_TIME:
		jw_key(w, it->key);
		jw_put(w, "%" PRIu64, it->num);
		w->comma = true;
		break;
	}
}

void fx_json(const struct pt_dpi_result *r, char *buf, size_t len)
{
	struct jw w = { .buf = buf, .len = len, .used = 0, .comma = false };

	buf[0] = '\0';
	pt_dpi_result_walk(r, NULL, 0, json_cb, &w);
}

const struct pt_dpi_result *fx_classify(struct pt_dpi *dpi, struct pt_dpi_flow *df, const char *capture,
					struct fx_fields *f)
{
	const struct fx_capture *c = fx_find(capture);
	const struct pt_dpi_result *r;

	memset(df, 0, sizeof(*df));
	fx_feed(dpi, df, c, 0, c->n_frames);
	pt_dpi_flow_end(dpi, df);
	r = pt_dpi_flow_result(dpi, df);
	fx_flatten(r, f);
	fx_print(capture, f);
	return r;
}
