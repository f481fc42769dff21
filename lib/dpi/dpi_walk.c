/* SPDX-License-Identifier: BSD-3-Clause */
/* dpi_walk.c - Turn a struct pt_dpi_result into ECS fields, one callback per object, array and value. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "dpi_priv.h"

const char *const pt_dpi_walk_objects[] = { "network", "url", "http", "user_agent", "tls", "dns", "podtap", NULL };

/* ndpi_cipher2str() formats unknown suites into one static buffer: serialise its callers. */
static pthread_mutex_t cipher_lock = PTHREAD_MUTEX_INITIALIZER;

struct sink {
	pt_dpi_walk_fn fn;   /* NULL: only count */
	void *ctx;
	unsigned int values;
};

static void ev(struct sink *s, enum pt_dpi_walk_event event, const char *key, const char *str, uint64_t num)
{
	struct pt_dpi_walk_item item = { .event = event, .key = key, .str = str, .num = num };

	if (event == PT_DPI_WALK_STRING || event == PT_DPI_WALK_U64 || event == PT_DPI_WALK_TIME)
		s->values++;
	if (s->fn != NULL)
		s->fn(s->ctx, &item);
}

static void begin(struct sink *s, const char *key) { ev(s, PT_DPI_WALK_BEGIN_OBJECT, key, NULL, 0); }
static void end(struct sink *s) { ev(s, PT_DPI_WALK_END_OBJECT, NULL, NULL, 0); }
static void begin_array(struct sink *s, const char *key) { ev(s, PT_DPI_WALK_BEGIN_ARRAY, key, NULL, 0); }
static void end_array(struct sink *s) { ev(s, PT_DPI_WALK_END_ARRAY, NULL, NULL, 0); }
static void u64(struct sink *s, const char *key, uint64_t v) { ev(s, PT_DPI_WALK_U64, key, NULL, v); }

static void str(struct sink *s, const char *key, const char *v)
{
	if (v != NULL && v[0] != '\0')
		ev(s, PT_DPI_WALK_STRING, key, v, 0);
}

/* ---- names ---------------------------------------------------------------------------------------- */

/* ECS tls.version and tls.version_protocol from the wire version. */
static bool tls_version(uint16_t v, const char **version, const char **protocol)
{
	switch (v) {
	case 0x0300: *version = "3.0"; *protocol = "ssl"; return true;
	case 0x0301: *version = "1.0"; *protocol = "tls"; return true;
	case 0x0302: *version = "1.1"; *protocol = "tls"; return true;
	case 0x0303: *version = "1.2"; *protocol = "tls"; return true;
	case 0x0304: *version = "1.3"; *protocol = "tls"; return true;
	case 0xfeff: *version = "1.0"; *protocol = "dtls"; return true;
	case 0xfefd: *version = "1.2"; *protocol = "dtls"; return true;
	case 0xfefc: *version = "1.3"; *protocol = "dtls"; return true;
	default: return false;
	}
}

static bool cipher_name(uint16_t cipher, char *buf, size_t len)
{
	const char *name;

	if (cipher == 0)
		return false;
	pthread_mutex_lock(&cipher_lock);
	name = ndpi_cipher2str(cipher);
	/* An unknown suite comes back as "0X1234": that is no name. */
	if (name != NULL && strncmp(name, "0X", 2) != 0)
		snprintf(buf, len, "%s", name);
	else
		name = NULL;
	pthread_mutex_unlock(&cipher_lock);
	return name != NULL;
}

static const char *dns_type_name(uint16_t t, char buf[16])
{
	static const struct { uint16_t type; const char *name; } names[] = {
		{ 1, "A" }, { 2, "NS" }, { 5, "CNAME" }, { 6, "SOA" }, { 12, "PTR" }, { 13, "HINFO" }, { 15, "MX" },
		{ 16, "TXT" }, { 17, "RP" }, { 18, "AFSDB" }, { 24, "SIG" }, { 25, "KEY" }, { 28, "AAAA" },
		{ 29, "LOC" }, { 33, "SRV" }, { 35, "NAPTR" }, { 36, "KX" }, { 37, "CERT" }, { 39, "DNAME" },
		{ 41, "OPT" }, { 42, "APL" }, { 43, "DS" }, { 44, "SSHFP" }, { 45, "IPSECKEY" }, { 46, "RRSIG" },
		{ 47, "NSEC" }, { 48, "DNSKEY" }, { 49, "DHCID" }, { 50, "NSEC3" }, { 51, "NSEC3PARAM" },
		{ 52, "TLSA" }, { 53, "SMIMEA" }, { 55, "HIP" }, { 59, "CDS" }, { 60, "CDNSKEY" },
		{ 61, "OPENPGPKEY" }, { 62, "CSYNC" }, { 63, "ZONEMD" }, { 64, "SVCB" }, { 65, "HTTPS" },
		{ 99, "SPF" }, { 108, "EUI48" }, { 109, "EUI64" }, { 249, "TKEY" }, { 250, "TSIG" }, { 251, "IXFR" },
		{ 252, "AXFR" }, { 255, "ANY" }, { 256, "URI" }, { 257, "CAA" },
	};

	for (size_t i = 0; i < PT_ARRAY_SIZE(names); i++)
		if (names[i].type == t)
			return names[i].name;
	snprintf(buf, 16, "TYPE%u", (unsigned int)t); /* RFC 3597 notation */
	return buf;
}

static const char *dns_rcode_name(uint8_t rcode, char buf[16])
{
	static const char *const names[] = { "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
					     "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE", "DSOTYPENI" };

	if (rcode < PT_ARRAY_SIZE(names))
		return names[rcode];
	snprintf(buf, 16, "RCODE%u", (unsigned int)rcode);
	return buf;
}

static void hex_upper(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789ABCDEF";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

/* ---- objects -------------------------------------------------------------------------------------- */

static void walk_network(const struct pt_dpi_result *r, struct sink *s)
{
	str(s, "protocol", r->protocol);
}

static void walk_url(const struct pt_dpi_result *r, struct sink *s)
{
	char domain[PT_DPI_SERVER_NAME_LEN];
	char path[PT_DPI_URL_PATH_LEN];
	char *q;

	if (r->kind != PT_DPI_KIND_HTTP)
		return;
	/*
	 * url.domain is the Host without its port; an IPv6 literal loses its brackets. nDPI 4.2 cuts a Host at
	 * its first ':', so "[fd00::1]:8080" arrives as "[fd00": that is not a name, so it is left out.
	 */
	snprintf(domain, sizeof(domain), "%s", r->server_name);
	if (domain[0] == '[') {
		char *close = strchr(domain, ']');

		if (close != NULL) {
			*close = '\0';
			memmove(domain, domain + 1, strlen(domain + 1) + 1);
		} else {
			domain[0] = '\0';
		}
	} else {
		char *colon = strrchr(domain, ':');

		if (colon != NULL && strchr(domain, ':') == colon && colon[1] != '\0' &&
		    strspn(colon + 1, "0123456789") == strlen(colon + 1))
			*colon = '\0';
	}
	str(s, "domain", domain);
	snprintf(path, sizeof(path), "%s", r->u.http.url_path);
	q = strchr(path, '?');
	if (q != NULL)
		*q++ = '\0';
	str(s, "path", path);
	if (q != NULL)
		str(s, "query", q);
}

static void walk_http(const struct pt_dpi_result *r, struct sink *s)
{
	if (r->kind != PT_DPI_KIND_HTTP)
		return;
	if (r->u.http.method > NDPI_HTTP_METHOD_UNKNOWN && r->u.http.method <= NDPI_HTTP_METHOD_CONNECT) {
		begin(s, "request");
		str(s, "method", ndpi_http_method2str((ndpi_http_method)r->u.http.method));
		end(s);
	}
	if (r->u.http.status != 0) {
		begin(s, "response");
		u64(s, "status_code", r->u.http.status);
		end(s);
	}
	if (r->u.http.method != NDPI_HTTP_METHOD_UNKNOWN && r->u.http.version <= 1)
		str(s, "version", r->u.http.version ? "1.1" : "1.0");
}

static void walk_user_agent(const struct pt_dpi_result *r, struct sink *s)
{
	str(s, "original", r->user_agent);
}

static void walk_tls(const struct pt_dpi_result *r, struct sink *s)
{
	const char *version, *protocol;
	char cipher[64], sha1[41];
	bool has_subject, has_issuer, has_server;

	if (r->kind != PT_DPI_KIND_TLS && r->kind != PT_DPI_KIND_QUIC)
		return;
	if (tls_version(r->u.tls.version, &version, &protocol)) {
		str(s, "version", version);
		str(s, "version_protocol", protocol);
	}
	if (cipher_name(r->u.tls.cipher, cipher, sizeof(cipher)))
		str(s, "cipher", cipher);
	if (r->server_name[0] != '\0' || r->u.tls.ja3[0] != '\0') {
		begin(s, "client");
		str(s, "server_name", r->server_name);
		str(s, "ja3", r->u.tls.ja3);
		end(s);
	}
	has_subject = r->u.tls.subject[0] != '\0';
	has_issuer = r->u.tls.issuer[0] != '\0';
	has_server = r->u.tls.ja3s[0] != '\0' || r->u.tls.has_sha1 || r->u.tls.not_before != 0 ||
		     r->u.tls.not_after != 0 || has_subject || has_issuer;
	if (!has_server)
		return;
	begin(s, "server");
	str(s, "ja3s", r->u.tls.ja3s);
	if (r->u.tls.has_sha1) {
		hex_upper(r->u.tls.sha1, 20, sha1);
		begin(s, "hash");
		str(s, "sha1", sha1);
		end(s);
	}
	if (r->u.tls.not_before != 0)
		ev(s, PT_DPI_WALK_TIME, "not_before", NULL, (uint64_t)r->u.tls.not_before * PT_NS_PER_SEC);
	if (r->u.tls.not_after != 0)
		ev(s, PT_DPI_WALK_TIME, "not_after", NULL, (uint64_t)r->u.tls.not_after * PT_NS_PER_SEC);
	if (has_subject || has_issuer) {
		begin(s, "x509");
		if (has_subject) {
			begin(s, "subject");
			str(s, "distinguished_name", r->u.tls.subject);
			end(s);
		}
		if (has_issuer) {
			begin(s, "issuer");
			str(s, "distinguished_name", r->u.tls.issuer);
			end(s);
		}
		end(s);
	}
	end(s);
}

static void walk_dns(const struct pt_dpi_result *r, struct sink *s)
{
	char tbuf[16], rbuf[16], ip[PT_ADDR_TEXT_LEN];
	const char *type;

	if (r->kind != PT_DPI_KIND_DNS)
		return;
	if (r->server_name[0] != '\0' || r->u.dns.qtype != 0) {
		begin(s, "question");
		str(s, "name", r->server_name);
		if (r->u.dns.qtype != 0)
			str(s, "type", dns_type_name(r->u.dns.qtype, tbuf));
		end(s);
	}
	if (!r->u.dns.response_seen)
		return;
	str(s, "response_code", dns_rcode_name(r->u.dns.rcode, rbuf));
	if (r->u.dns.answer_type != 1 && r->u.dns.answer_type != 28)
		return;
	/* nDPI 4.2 keeps only the first A/AAAA address of a response. */
	pt_addr_format(r->u.dns.answer_type == 1 ? 4 : 6, r->u.dns.answer_addr, ip);
	type = r->u.dns.answer_type == 1 ? "A" : "AAAA";
	begin_array(s, "answers");
	begin(s, NULL);
	str(s, "type", type);
	str(s, "data", ip);
	end(s);
	end_array(s);
	begin_array(s, "resolved_ip");
	str(s, NULL, ip);
	end_array(s);
}

static void walk_truncated(const struct pt_dpi_result *r, struct sink *s)
{
	const char *server_name_field = r->kind == PT_DPI_KIND_DNS    ? "dns.question.name"
					: r->kind == PT_DPI_KIND_HTTP ? "url.domain"
								      : "tls.client.server_name";

	if (r->truncated == 0)
		return;
	begin_array(s, "truncated");
	if (r->truncated & PT_DPI_TRUNC_DPI_PROTOCOL)
		str(s, NULL, "podtap.dpi.protocol");
	if (r->truncated & PT_DPI_TRUNC_CATEGORY)
		str(s, NULL, "podtap.dpi.category");
	if (r->truncated & PT_DPI_TRUNC_SERVER_NAME)
		str(s, NULL, server_name_field);
	if (r->truncated & PT_DPI_TRUNC_USER_AGENT)
		str(s, NULL, "user_agent.original");
	if (r->truncated & PT_DPI_TRUNC_SUBJECT)
		str(s, NULL, "tls.server.x509.subject.distinguished_name");
	if (r->truncated & PT_DPI_TRUNC_ISSUER)
		str(s, NULL, "tls.server.x509.issuer.distinguished_name");
	if (r->truncated & PT_DPI_TRUNC_URL_PATH)
		str(s, NULL, "url.path");
	end_array(s);
}

static void walk_podtap(const struct pt_dpi_result *r, struct sink *s)
{
	uint64_t risks = r->risks & ~1ULL; /* bit 0 is NDPI_NO_RISK */

	begin(s, "dpi");
	str(s, "protocol", r->dpi_protocol);
	str(s, "category", r->category);
	if (r->confidence != NDPI_CONFIDENCE_UNKNOWN && r->confidence < NDPI_CONFIDENCE_MAX)
		str(s, "confidence", ndpi_confidence_get_name((ndpi_confidence_t)r->confidence));
	if (risks != 0) {
		begin_array(s, "risks");
		for (unsigned int i = 1; i < NDPI_MAX_RISK && i < 64; i++)
			if (risks & (1ULL << i))
				str(s, NULL, ndpi_risk2str((ndpi_risk_enum)i));
		end_array(s);
	}
	u64(s, "packets", r->packets);
	if (r->kind == PT_DPI_KIND_SSH &&
	    (r->u.ssh.client[0] || r->u.ssh.server[0] || r->u.ssh.hassh[0] || r->u.ssh.hassh_server[0])) {
		begin(s, "ssh");
		str(s, "client", r->u.ssh.client);
		str(s, "server", r->u.ssh.server);
		str(s, "hassh", r->u.ssh.hassh);
		str(s, "hassh_server", r->u.ssh.hassh_server);
		end(s);
	}
	walk_truncated(r, s);
	end(s);
}

typedef void (*object_fn)(const struct pt_dpi_result *r, struct sink *s);

static const object_fn object_fns[] = { walk_network, walk_url, walk_http, walk_user_agent, walk_tls, walk_dns,
					walk_podtap };

_Static_assert(PT_ARRAY_SIZE(object_fns) + 1 == PT_ARRAY_SIZE(pt_dpi_walk_objects), "one walker per object");

static unsigned int walk_one(const struct pt_dpi_result *r, unsigned int idx, bool wrap, pt_dpi_walk_fn fn, void *ctx)
{
	struct sink count = { .fn = NULL }, out = { .fn = fn, .ctx = ctx };

	object_fns[idx](r, &count);
	if (count.values == 0)
		return 0;
	if (wrap)
		begin(&out, pt_dpi_walk_objects[idx]);
	object_fns[idx](r, &out);
	if (wrap)
		end(&out);
	return out.values;
}

unsigned int pt_dpi_result_walk(const struct pt_dpi_result *r, const char *object, unsigned int flags,
				pt_dpi_walk_fn fn, void *ctx)
{
	unsigned int n = 0;

	if (r == NULL || fn == NULL)
		return 0;
	for (unsigned int i = 0; i < PT_ARRAY_SIZE(object_fns); i++) {
		if (object == NULL)
			n += walk_one(r, i, true, fn, ctx);
		else if (strcmp(object, pt_dpi_walk_objects[i]) == 0)
			return walk_one(r, i, (flags & PT_DPI_WALK_WRAP) != 0, fn, ctx);
	}
	return n;
}

uint64_t pt_dpi_risks_of_concern(uint64_t risks)
{
	static const uint64_t concern = (1ULL << NDPI_TLS_SELFSIGNED_CERTIFICATE) | (1ULL << NDPI_TLS_CERTIFICATE_EXPIRED) |
		(1ULL << NDPI_TLS_CERTIFICATE_MISMATCH) | (1ULL << NDPI_HTTP_SUSPICIOUS_USER_AGENT) |
		(1ULL << NDPI_SUSPICIOUS_DGA_DOMAIN) | (1ULL << NDPI_TLS_SUSPICIOUS_ESNI_USAGE) |
		(1ULL << NDPI_UNSAFE_PROTOCOL) | (1ULL << NDPI_RISKY_ASN) | (1ULL << NDPI_RISKY_DOMAIN) |
		(1ULL << NDPI_MALICIOUS_JA3) | (1ULL << NDPI_MALICIOUS_SHA1_CERTIFICATE) |
		(1ULL << NDPI_SUSPICIOUS_ENTROPY) | (1ULL << NDPI_KNOWN_PROTOCOL_ON_NON_STANDARD_PORT);

	return risks & concern;
}

const char *pt_dpi_risk_name(unsigned int bit)
{
	if (bit == 0 || bit >= NDPI_MAX_RISK || bit >= 64)
		return NULL;
	return ndpi_risk2str((ndpi_risk_enum)bit);
}
