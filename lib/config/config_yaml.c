/* SPDX-License-Identifier: BSD-3-Clause */
/* config_yaml.c - Load a YAML file onto a struct pt_config: walk libyaml events, track the key path, apply the schema. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "config_priv.h"

#define MAX_FILE_SIZE (1024 * 1024)
#define MAX_DEPTH 8
#define MAX_SEEN 256

/* A key or section already given in the file, for duplicate detection. */
struct seen_key {
	char path[PT_CONFIG_PATH_LEN];
	size_t line;
};

struct loader {
	yaml_parser_t parser;
	const char *file;
	const char *text;               /* the file's bytes, for locating reader errors */
	struct pt_config *cfg;
	char *err;
	size_t err_len;
	char path[PT_CONFIG_PATH_LEN];  /* dotted path of the key being parsed */
	struct seen_key seen[MAX_SEEN];
	size_t n_seen;
};

static int fail(struct loader *ld, size_t line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Write "<file>:<line>: <message>" to the caller's buffer; returns -EINVAL. */
static int fail(struct loader *ld, size_t line, const char *fmt, ...)
{
	char msg[PT_CONFIG_ERR_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pt_config_errf(ld->err, ld->err_len, "%s:%zu: %s", ld->file, line, msg);
	return -EINVAL;
}

static size_t line_of(const yaml_event_t *ev)
{
	return ev->start_mark.line + 1;
}

static const char *type_name(yaml_event_type_t type)
{
	return type == YAML_MAPPING_START_EVENT ? "a mapping" : type == YAML_SEQUENCE_START_EVENT ? "a list" :
	       "a scalar";
}

static const yaml_char_t *anchor_of(const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return ev->data.scalar.anchor;
	case YAML_SEQUENCE_START_EVENT:
		return ev->data.sequence_start.anchor;
	case YAML_MAPPING_START_EVENT:
		return ev->data.mapping_start.anchor;
	default:
		return NULL;
	}
}

/* "<file>:<line>: YAML syntax error: <problem>" for the parser's last error. */
static int syntax_error(struct loader *ld)
{
	size_t line = ld->parser.problem_mark.line + 1;

	if (ld->parser.error == YAML_READER_ERROR) { /* bad encoding: libyaml gives only an offset */
		line = 1;
		for (size_t i = 0; i < ld->parser.problem_offset && ld->text[i] != '\0'; i++)
			line += ld->text[i] == '\n';
	}
	return fail(ld, line, "YAML syntax error: %s", ld->parser.problem ? ld->parser.problem : "unknown problem");
}

/* The next event, refusing syntax errors, aliases and anchors; on failure nothing is left to delete. */
static int next_event(struct loader *ld, yaml_event_t *ev)
{
	char q[80];
	int rc;

	if (!yaml_parser_parse(&ld->parser, ev))
		return syntax_error(ld);
	if (ev->type == YAML_ALIAS_EVENT) {
		rc = fail(ld, line_of(ev), "YAML aliases ('*%s') are not supported",
			  pt_config_quote((const char *)ev->data.alias.anchor, q, sizeof(q)));
		yaml_event_delete(ev);
		return rc;
	}
	if (anchor_of(ev) != NULL) {
		rc = fail(ld, line_of(ev), "YAML anchors ('&%s') are not supported",
			  pt_config_quote((const char *)anchor_of(ev), q, sizeof(q)));
		yaml_event_delete(ev);
		return rc;
	}
	return 0;
}

static bool is_null(const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;

	return ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       (v[0] == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 ||
		strcmp(v, "NULL") == 0);
}

static int unknown_key(struct loader *ld, size_t line)
{
	char q[80], hint[PT_CONFIG_PATH_LEN];

	pt_config_quote(ld->path, q, sizeof(q));
	if (pt_config_suggest(ld->path, hint, sizeof(hint)) != NULL)
		return fail(ld, line, "unknown key '%s' (did you mean '%s'?)", q, hint);
	return fail(ld, line, "unknown key '%s'", q);
}

/* Remember a key or section; fails when the file already gave it. */
static int mark_seen(struct loader *ld, size_t line)
{
	for (size_t i = 0; i < ld->n_seen; i++)
		if (strcmp(ld->seen[i].path, ld->path) == 0)
			return fail(ld, line, "duplicate key '%s' (first at line %zu)", ld->path, ld->seen[i].line);
	if (ld->n_seen == MAX_SEEN)
		return fail(ld, line, "too many keys");
	snprintf(ld->seen[ld->n_seen].path, sizeof(ld->seen[0].path), "%s", ld->path);
	ld->seen[ld->n_seen++].line = line;
	return 0;
}

/* The items of a list (ports, CIDRs), after its SEQUENCE_START; the key was given at @p line. */
static int parse_list(struct loader *ld, const struct pt_config_key *key, size_t line)
{
	char problem[PT_CONFIG_PROBLEM_LEN], expect[128];
	struct pt_config_list list;
	yaml_event_t ev;
	int rc;

	pt_config_list_init(&list, key);
	for (;;) {
		if (next_event(ld, &ev) != 0)
			return -EINVAL;
		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		rc = 0;
		if (ev.type != YAML_SCALAR_EVENT || strlen((const char *)ev.data.scalar.value) != ev.data.scalar.length) {
			pt_config_key_expect(key, expect, sizeof(expect));
			rc = fail(ld, line_of(&ev), "%s: expected %s, got %s inside the list", key->path, expect,
				  ev.type == YAML_SCALAR_EVENT ? "a value containing a NUL byte" : type_name(ev.type));
		} else if (pt_config_list_add(&list, (const char *)ev.data.scalar.value, problem, sizeof(problem)) != 0) {
			rc = fail(ld, line_of(&ev), "%s: %s", key->path, problem);
		}
		yaml_event_delete(&ev);
		if (rc != 0)
			return rc;
	}
	if (pt_config_list_store(ld->cfg, &list, problem, sizeof(problem)) != 0)
		return fail(ld, line, "%s: %s", key->path, problem);
	return 0;
}

/* A scalar value for the key or section named by ld->path. */
static int parse_scalar(struct loader *ld, const struct pt_config_key *key, const yaml_event_t *ev,
			size_t key_line)
{
	const char *text = (const char *)ev->data.scalar.value;
	char problem[PT_CONFIG_PROBLEM_LEN], expect[128], q[80];

	if (key == NULL && pt_config_is_section(ld->path)) {
		if (is_null(ev)) /* "flow:" with every key commented out */
			return 0;
		return fail(ld, key_line, "%s: expected a mapping of keys, got '%s'", ld->path,
			    pt_config_quote(text, q, sizeof(q)));
	}
	if (key == NULL)
		return unknown_key(ld, key_line);
	if (strlen(text) != ev->data.scalar.length) {
		pt_config_key_expect(key, expect, sizeof(expect));
		return fail(ld, key_line, "%s: expected %s, got a value containing a NUL byte", key->path, expect);
	}
	if (pt_config_key_apply(ld->cfg, key, text, is_null(ev), problem, sizeof(problem)) != 0)
		return fail(ld, key_line, "%s: %s", key->path, problem);
	return 0;
}

static int parse_mapping(struct loader *ld, size_t plen, int depth);

/* The value of the key just appended to ld->path (given at @p key_line). */
static int parse_entry(struct loader *ld, size_t plen, size_t key_line, int depth)
{
	const struct pt_config_key *key = pt_config_key_find(ld->path);
	bool section = key == NULL && pt_config_is_section(ld->path);
	char expect[128];
	yaml_event_t ev;
	int rc;

	if ((key != NULL || section) && mark_seen(ld, key_line) != 0)
		return -EINVAL;
	if (next_event(ld, &ev) != 0)
		return -EINVAL;
	if (ev.type == YAML_SCALAR_EVENT) {
		rc = parse_scalar(ld, key, &ev, key_line);
	} else if (key == NULL && !section && ev.type != YAML_MAPPING_START_EVENT) {
		rc = unknown_key(ld, key_line);
	} else if (key != NULL && pt_config_key_is_list(key) && ev.type == YAML_SEQUENCE_START_EVENT) {
		rc = parse_list(ld, key, key_line);
	} else if (key != NULL) {
		pt_config_key_expect(key, expect, sizeof(expect));
		rc = fail(ld, key_line, "%s: expected %s, got %s", key->path, expect, type_name(ev.type));
	} else if (ev.type != YAML_MAPPING_START_EVENT) {
		rc = fail(ld, key_line, "%s: expected a mapping of keys, got %s", ld->path, type_name(ev.type));
	} else if (depth >= MAX_DEPTH) {
		rc = section ? fail(ld, key_line, "%s: nested too deeply", ld->path) : unknown_key(ld, key_line);
	} else {
		/* A section, or an unknown one: the first key inside names the unknown path fully. */
		rc = parse_mapping(ld, plen, depth + 1);
		if (rc == 0 && !section)
			rc = unknown_key(ld, key_line);
	}
	yaml_event_delete(&ev);
	return rc;
}

/* The keys of a mapping after its MAPPING_START; ld->path[0..plen) names it ("" at the top). */
static int parse_mapping(struct loader *ld, size_t plen, int depth)
{
	yaml_event_t ev;
	size_t klen, key_line;
	int rc;

	for (;;) {
		if (next_event(ld, &ev) != 0)
			return -EINVAL;
		if (ev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&ev);
			return 0;
		}
		if (ev.type != YAML_SCALAR_EVENT) {
			rc = fail(ld, line_of(&ev), "keys must be plain words, got %s as a key", type_name(ev.type));
			yaml_event_delete(&ev);
			return rc;
		}
		key_line = line_of(&ev);
		klen = ev.data.scalar.length;
		ld->path[plen] = '\0';
		if (plen + 1 + klen >= sizeof(ld->path) || strlen((const char *)ev.data.scalar.value) != klen) {
			/* No key is this long: report what fits. */
			snprintf(ld->path + plen, sizeof(ld->path) - plen, "%s%s", plen ? "." : "",
				 (const char *)ev.data.scalar.value);
			yaml_event_delete(&ev);
			return unknown_key(ld, key_line);
		}
		snprintf(ld->path + plen, sizeof(ld->path) - plen, "%s%s", plen ? "." : "",
			 (const char *)ev.data.scalar.value);
		yaml_event_delete(&ev);
		rc = parse_entry(ld, strlen(ld->path), key_line, depth);
		if (rc != 0)
			return rc;
		ld->path[plen] = '\0';
	}
}

/* The whole stream: nothing, or one document whose root is a mapping (or empty). */
static int parse_stream(struct loader *ld)
{
	yaml_event_t ev;
	int rc = 0;

	if (next_event(ld, &ev) != 0) /* STREAM_START */
		return -EINVAL;
	yaml_event_delete(&ev);
	if (next_event(ld, &ev) != 0)
		return -EINVAL;
	if (ev.type == YAML_STREAM_END_EVENT) { /* an empty file, or only comments */
		yaml_event_delete(&ev);
		return 0;
	}
	yaml_event_delete(&ev); /* DOCUMENT_START */
	if (next_event(ld, &ev) != 0)
		return -EINVAL;
	if (ev.type == YAML_MAPPING_START_EVENT)
		rc = parse_mapping(ld, 0, 0);
	else if (ev.type != YAML_SCALAR_EVENT || !is_null(&ev))
		rc = fail(ld, line_of(&ev), "expected a mapping of sections at the top level, got %s",
			  type_name(ev.type));
	yaml_event_delete(&ev);
	if (rc != 0 || next_event(ld, &ev) != 0) /* DOCUMENT_END */
		return -EINVAL;
	yaml_event_delete(&ev);
	if (next_event(ld, &ev) != 0)
		return -EINVAL;
	if (ev.type != YAML_STREAM_END_EVENT)
		rc = fail(ld, line_of(&ev), "expected one YAML document, found another");
	yaml_event_delete(&ev);
	return rc;
}

/* Run the parser to the end of the stream, stopping at the first syntax error. */
static int check_syntax(struct loader *ld)
{
	yaml_event_type_t type;
	yaml_event_t ev;

	do {
		if (!yaml_parser_parse(&ld->parser, &ev))
			return syntax_error(ld);
		type = ev.type;
		yaml_event_delete(&ev);
	} while (type != YAML_STREAM_END_EVENT);
	return 0;
}

/* Read the whole file into a NUL-terminated buffer. @return 0 or a negative errno. */
static int read_file(const char *path, char **out, size_t *out_len)
{
	size_t cap = 4096, len = 0;
	char *buf = NULL, *grown;
	ssize_t n;
	int fd, rc = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		if (buf == NULL || len + 1 >= cap) {
			if (buf != NULL)
				cap *= 2;
			if (cap > MAX_FILE_SIZE * 2) {
				rc = -EFBIG;
				break;
			}
			grown = realloc(buf, cap);
			if (grown == NULL) {
				rc = -ENOMEM;
				break;
			}
			buf = grown;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (rc == 0 && len > MAX_FILE_SIZE)
		rc = -EFBIG;
	if (rc != 0) {
		free(buf);
		return rc;
	}
	buf[len] = '\0';
	*out = buf;
	*out_len = len;
	return 0;
}

int pt_config_load_file(struct pt_config *cfg, const char *path, char *err, size_t err_len)
{
	struct pt_config staged;
	struct loader *ld;
	size_t len = 0;
	char *text = NULL;
	int rc;

	if (cfg == NULL || path == NULL) {
		pt_config_errf(err, err_len, "no configuration file given");
		return -EINVAL;
	}
	rc = read_file(path, &text, &len);
	if (rc == -EFBIG) {
		pt_config_errf(err, err_len, "%s: larger than %d bytes; not a configuration file", path, MAX_FILE_SIZE);
		return -EINVAL;
	}
	if (rc != 0) {
		pt_config_errf(err, err_len, "%s: %s", path, strerror(-rc));
		return rc;
	}
	ld = calloc(1, sizeof(*ld));
	if (ld == NULL) {
		rc = -ENOMEM;
		pt_config_errf(err, err_len, "%s: out of memory", path);
		goto free_text;
	}
	if (!yaml_parser_initialize(&ld->parser)) {
		rc = -ENOMEM;
		pt_config_errf(err, err_len, "%s: out of memory", path);
		goto free_loader;
	}
	/* First pass: syntax only, so that a syntax error is reported wherever it is in the file. */
	yaml_parser_set_input_string(&ld->parser, (const unsigned char *)text, len);
	ld->file = path;
	ld->text = text;
	ld->err = err;
	ld->err_len = err_len;
	rc = check_syntax(ld);
	yaml_parser_delete(&ld->parser);
	if (rc != 0)
		goto free_loader;
	if (!yaml_parser_initialize(&ld->parser)) {
		rc = -ENOMEM;
		pt_config_errf(err, err_len, "%s: out of memory", path);
		goto free_loader;
	}
	yaml_parser_set_input_string(&ld->parser, (const unsigned char *)text, len);
	staged = *cfg;
	ld->cfg = &staged;
	rc = parse_stream(ld);
	if (rc == 0)
		*cfg = staged; /* all or nothing */
	yaml_parser_delete(&ld->parser);
free_loader:
	free(ld);
free_text:
	free(text);
	return rc;
}
