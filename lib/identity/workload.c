/* SPDX-License-Identifier: BSD-3-Clause */
/* workload.c - One workload identity parsed from the Redis table's JSON: immutable, reference counted, one allocation. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identity_priv.h"

#define WORKLOAD_MAX_LABELS 256
#define WORKLOAD_MAX_IMAGES 64
#define WORKLOAD_STRING_MAX 1024      /* longer values are cut (Kubernetes names are at most 253 bytes) */

/* The identity's string members, indexed by enum pt_workload_field. */
static const char *const workload_fields[PT_WORKLOAD_FIELD_MAX] = {
	"namespace", "pod", "pod_uid", "workload_kind", "workload", "node", "service_account", "start_time", "source",
};

struct workload_parse {
	const char *json;
	char kind[16];
	const struct pt_json_value *field[PT_ARRAY_SIZE(workload_fields)];
	struct pt_json_value field_value[PT_ARRAY_SIZE(workload_fields)];
	struct pt_json_value labels, images;
	bool has_kind, has_labels, has_images;
	uint32_t n_labels, n_images;
	size_t string_bytes;             /* every decoded string, NULs included, as an upper bound */
	char *err;
	size_t err_len;
};

static int parse_fail(struct workload_parse *p, const char *fmt, const char *what)
{
	snprintf(p->err, p->err_len, fmt, what);
	return -EINVAL;
}

/* A string value takes at most its raw length (escapes only shrink, except \u, which never grows past 6:4). */
static int count_string(struct workload_parse *p, const struct pt_json_value *v, const char *what)
{
	if (v->type != PT_JSON_STRING)
		return parse_fail(p, "identity field '%s' is not a string", what);
	p->string_bytes += v->len + 1;
	return 0;
}

static int count_label(void *ctx, const char *key, const struct pt_json_value *v)
{
	struct workload_parse *p = ctx;

	if (p->n_labels == WORKLOAD_MAX_LABELS)
		return parse_fail(p, "identity has more than %s labels", "256");
	p->n_labels++;
	p->string_bytes += strlen(key) + 1;
	return count_string(p, v, "labels");
}

static int count_image(void *ctx, const char *key, const struct pt_json_value *v)
{
	struct workload_parse *p = ctx;

	(void)key;
	if (p->n_images == WORKLOAD_MAX_IMAGES)
		return parse_fail(p, "identity has more than %s images", "64");
	p->n_images++;
	return count_string(p, v, "images");
}

static int parse_member(void *ctx, const char *key, const struct pt_json_value *v)
{
	struct workload_parse *p = ctx;

	if (strcmp(key, "kind") == 0) {
		if (v->type != PT_JSON_STRING || pt_json_string_decode(v, p->kind, sizeof(p->kind)) < 0)
			return parse_fail(p, "identity kind is not %s", "pod, service or node");
		p->has_kind = true;
		return 0;
	}
	if (strcmp(key, "labels") == 0) {
		if (v->type != PT_JSON_OBJECT)
			return parse_fail(p, "identity field '%s' is not an object", key);
		p->labels = *v;
		p->has_labels = true;
		return pt_json_read(v->text, v->len, count_label, p);
	}
	if (strcmp(key, "images") == 0) {
		if (v->type != PT_JSON_ARRAY)
			return parse_fail(p, "identity field '%s' is not an array", key);
		p->images = *v;
		p->has_images = true;
		return pt_json_read(v->text, v->len, count_image, p);
	}
	for (size_t i = 0; i < PT_ARRAY_SIZE(workload_fields); i++) {
		if (strcmp(key, workload_fields[i]) == 0) {
			p->field_value[i] = *v;
			p->field[i] = &p->field_value[i];
			return count_string(p, v, key);
		}
	}
	return 0;      /* fields a later schema adds are ignored */
}

/* Copying decoded strings into the entry's own string area. */
struct workload_fill {
	struct pt_workload *w;
	char *next;                      /* the next free byte of the string area */
	char *end;
	struct pt_workload_label *labels;
	const char **images;
};

static const char *fill_string(struct workload_fill *f, const struct pt_json_value *v)
{
	char *dst = f->next;
	int n;

	n = pt_json_string_decode(v, dst, (size_t)(f->end - dst));
	if (n < 0)
		return NULL;
	if (n >= WORKLOAD_STRING_MAX) {
		/* Cut at a UTF-8 character boundary. */
		n = WORKLOAD_STRING_MAX - 1;
		while (n > 0 && ((unsigned char)dst[n] & 0xc0) == 0x80)
			n--;
		dst[n] = '\0';
	}
	f->next += n + 1;
	return dst;
}

static int fill_label(void *ctx, const char *key, const struct pt_json_value *v)
{
	struct workload_fill *f = ctx;
	struct pt_workload_label *l = &f->labels[f->w->n_labels];
	size_t klen = strlen(key) + 1;

	memcpy(f->next, key, klen);
	l->key = f->next;
	f->next += klen;
	l->value = fill_string(f, v);
	if (l->value == NULL)
		return -EINVAL;
	f->w->n_labels++;
	return 0;
}

static int fill_image(void *ctx, const char *key, const struct pt_json_value *v)
{
	struct workload_fill *f = ctx;

	(void)key;
	f->images[f->w->n_images] = fill_string(f, v);
	if (f->images[f->w->n_images] == NULL)
		return -EINVAL;
	f->w->n_images++;
	return 0;
}

static int workload_kind_parse(const char *text, enum pt_workload_kind *kind)
{
	static const char *const names[PT_WORKLOAD_KIND_MAX] = { "pod", "service", "node" };

	for (int k = 0; k < PT_WORKLOAD_KIND_MAX; k++) {
		if (strcmp(text, names[k]) == 0) {
			*kind = (enum pt_workload_kind)k;
			return 0;
		}
	}
	return -EINVAL;
}

const char *pt_workload_kind_name(enum pt_workload_kind kind)
{
	static const char *const names[PT_WORKLOAD_KIND_MAX] = { "pod", "service", "node" };

	return (unsigned)kind < PT_WORKLOAD_KIND_MAX ? names[kind] : "unknown";
}

struct pt_workload *pt_workload_parse(const char *json, size_t len, char *err, size_t err_len)
{
	struct workload_parse p = { .json = json, .err = err, .err_len = err_len };
	struct workload_fill f;
	enum pt_workload_kind kind;
	struct pt_workload *w;
	size_t size;
	char *area;

	if (err_len > 0)
		err[0] = '\0';
	if (json == NULL || len > PT_WORKLOAD_JSON_MAX) {
		snprintf(err, err_len, "identity JSON is longer than %d bytes", PT_WORKLOAD_JSON_MAX);
		return NULL;
	}
	/* An array's elements come with a NULL key: only an object may reach parse_member(). */
	{
		size_t lead = 0;

		while (lead < len && strchr(" \t\r\n", json[lead]) != NULL && json[lead] != '\0')
			lead++;
		if (lead == len || json[lead] != '{') {
			snprintf(err, err_len, "identity is not a JSON object");
			return NULL;
		}
	}
	if (pt_json_read(json, len, parse_member, &p) != 0) {
		if (err_len > 0 && err[0] == '\0')
			snprintf(err, err_len, "identity is not a JSON object");
		return NULL;
	}
	if (!p.has_kind || workload_kind_parse(p.kind, &kind) != 0) {
		snprintf(err, err_len, "identity kind is missing or not pod, service or node");
		return NULL;
	}

	size = sizeof(*w) + p.n_labels * sizeof(struct pt_workload_label) + p.n_images * sizeof(char *) +
	       p.string_bytes + len + 1;
	w = calloc(1, size);
	if (w == NULL) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	atomic_init(&w->refs, 1);
	w->kind = (uint8_t)kind;
	area = (char *)(w + 1);
	f = (struct workload_fill){ .w = w, .labels = (struct pt_workload_label *)area };
	area += p.n_labels * sizeof(struct pt_workload_label);
	f.images = (const char **)area;
	area += p.n_images * sizeof(char *);
	f.next = area;
	f.end = (char *)w + size;
	w->labels = f.labels;
	w->images = f.images;

	for (size_t i = 0; i < PT_ARRAY_SIZE(workload_fields); i++) {
		w->field[i] = "";
		if (p.field[i] != NULL && (w->field[i] = fill_string(&f, p.field[i])) == NULL)
			goto bad_string;
	}
	if ((p.has_labels && pt_json_read(p.labels.text, p.labels.len, fill_label, &f) != 0) ||
	    (p.has_images && pt_json_read(p.images.text, p.images.len, fill_image, &f) != 0))
		goto bad_string;
	memcpy(f.next, json, len);
	f.next[len] = '\0';
	w->json = f.next;
	w->json_len = (uint32_t)len;
	return w;

bad_string:
	snprintf(err, err_len, "identity holds a string that cannot be decoded (\\u0000 or a lone surrogate)");
	free(w);
	return NULL;
}

void pt_workload_retain(struct pt_workload *w)
{
	if (w != NULL)
		atomic_fetch_add_explicit(&w->refs, 1, memory_order_relaxed);
}

void pt_workload_release(struct pt_workload *w)
{
	if (w != NULL && atomic_fetch_sub_explicit(&w->refs, 1, memory_order_acq_rel) == 1)
		free(w);
}
