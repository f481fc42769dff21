/* SPDX-License-Identifier: BSD-3-Clause */
/* baseline_edge.c - The text form of a baseline edge ("out|tcp|443|tls|domain|example.com"), written and parsed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baseline_priv.h"

static const char *const direction_names[PT_BASELINE_DIRECTION_MAX] = { "out", "in" };
static const char *const peer_kind_names[PT_PEER_KIND_MAX] = {
	"workload", "node", "service", "network", "internal_ip", "domain", "external_ip",
};
static const struct { uint8_t number; const char *name; } transports[] = {
	{ 6, "tcp" }, { 17, "udp" }, { 1, "icmp" }, { 58, "icmp6" }, { 132, "sctp" },
};

const char *pt_baseline_direction_name(enum pt_baseline_direction d)
{
	return (unsigned int)d < PT_BASELINE_DIRECTION_MAX ? direction_names[d] : NULL;
}

const char *pt_baseline_peer_kind_name(enum pt_baseline_peer_kind k)
{
	return (unsigned int)k < PT_PEER_KIND_MAX ? peer_kind_names[k] : NULL;
}

/* Copy @p s (at most @p max bytes) into @p out (@p room bytes) with every '|' made '_'. @return bytes written. */
static size_t put_member(char *out, size_t room, const char *s, size_t max)
{
	size_t n = 0;

	for (; n < max && s[n] && n + 1 < room; n++)
		out[n] = s[n] == '|' ? '_' : s[n];
	if (room > 0)
		out[n] = '\0';
	return n;
}

void baseline_edge_clean(const struct pt_baseline_edge *in, struct pt_baseline_edge *out)
{
	out->direction = in->direction;
	out->peer_kind = in->peer_kind;
	out->transport = in->transport;
	out->port = in->port;
	put_member(out->app, sizeof(out->app), in->app, sizeof(in->app));
	put_member(out->peer, sizeof(out->peer), in->peer, sizeof(in->peer));
}

size_t pt_baseline_edge_format(const struct pt_baseline_edge *e, char *out, size_t out_len)
{
	const char *dir, *kind;
	char transport[8];
	size_t n;
	int w;

	if (e == NULL || out == NULL || out_len == 0)
		return 0;
	dir = pt_baseline_direction_name(e->direction);
	kind = pt_baseline_peer_kind_name(e->peer_kind);
	snprintf(transport, sizeof(transport), "%u", e->transport);
	for (size_t i = 0; i < sizeof(transports) / sizeof(transports[0]); i++)
		if (transports[i].number == e->transport)
			snprintf(transport, sizeof(transport), "%s", transports[i].name);
	w = snprintf(out, out_len, "%s|%s|%u|", dir ? dir : "?", transport, e->port);
	if (w < 0 || (size_t)w >= out_len)
		return strlen(out);
	n = (size_t)w;
	n += put_member(out + n, out_len - n, e->app, sizeof(e->app) - 1);
	w = snprintf(out + n, out_len - n, "|%s|", kind ? kind : "?");
	if (w < 0 || (size_t)w >= out_len - n)
		return strlen(out);
	n += (size_t)w;
	n += put_member(out + n, out_len - n, e->peer, sizeof(e->peer) - 1);
	return n;
}

static int name_index(const char *const *names, int count, const char *s, size_t len)
{
	for (int i = 0; i < count; i++)
		if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0)
			return i;
	return -1;
}

/* A decimal in 0..max written without sign or leading zeros. */
static int parse_number(const char *s, size_t len, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (len == 0 || len > 6 || (len > 1 && s[0] == '0'))
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int pt_baseline_edge_parse(const char *text, struct pt_baseline_edge *e)
{
	const char *field[6];
	size_t len[6];
	const char *p = text;
	unsigned long num;
	int i, k;

	if (text == NULL || e == NULL)
		return -EINVAL;
	for (i = 0; i < 6; i++) {
		const char *bar = strchr(p, '|');

		if ((bar == NULL) != (i == 5))
			return -EINVAL;
		field[i] = p;
		len[i] = bar != NULL ? (size_t)(bar - p) : strlen(p);
		p = bar != NULL ? bar + 1 : p;
	}
	memset(e, 0, sizeof(*e));
	if ((k = name_index(direction_names, PT_BASELINE_DIRECTION_MAX, field[0], len[0])) < 0)
		return -EINVAL;
	e->direction = (uint8_t)k;
	e->transport = 0;
	for (k = -1, i = 0; i < (int)(sizeof(transports) / sizeof(transports[0])); i++)
		if (strlen(transports[i].name) == len[1] && memcmp(transports[i].name, field[1], len[1]) == 0)
			k = i;
	if (k >= 0)
		e->transport = transports[k].number;
	else if (parse_number(field[1], len[1], 255, &num) == 0)
		e->transport = (uint8_t)num;
	else
		return -EINVAL;
	if (parse_number(field[2], len[2], 65535, &num) != 0)
		return -EINVAL;
	e->port = (uint16_t)num;
	if (len[3] >= sizeof(e->app) || len[5] >= sizeof(e->peer))
		return -EINVAL;
	memcpy(e->app, field[3], len[3]);
	if ((k = name_index(peer_kind_names, PT_PEER_KIND_MAX, field[4], len[4])) < 0)
		return -EINVAL;
	e->peer_kind = (uint8_t)k;
	memcpy(e->peer, field[5], len[5]);
	return 0;
}
