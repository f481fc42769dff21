/* SPDX-License-Identifier: BSD-3-Clause */
/* dpi_extract.c - Copy what nDPI 4.2 found in a flow (names, fingerprints, certificate, DNS, HTTP, SSH) into a compact result. */
#include <ctype.h>
#include <strings.h>
#include <netinet/in.h>
#include <string.h>

#include "dpi_priv.h"

/* MD5 of nothing: what nDPI 4.2 reports as a HASSH when it could not parse the KEXINIT (a KEXINIT longer than
 * one TCP segment, as OpenSSH 9's client sends). It names no software, so it is treated as absent. */
static const char md5_of_nothing[] = "d41d8cd98f00b204e9800998ecf8427e";

bool pt_dpi_copy_str(char *dst, size_t cap, const char *src)
{
	size_t len = strlen(src);

	if (len < cap) {
		memcpy(dst, src, len + 1);
		return false;
	}
	len = cap - 1;
	/* Do not leave half a UTF-8 character: back off over continuation bytes to a lead byte. */
	while (len > 0 && ((unsigned char)src[len] & 0xC0) == 0x80)
		len--;
	memcpy(dst, src, len);
	dst[len] = '\0';
	return true;
}

/* Copy a 32-digit hex digest, lowercased. Anything else (empty, short, not hex, MD5 of nothing) gives "". */
static void copy_digest(char dst[PT_DPI_HASH_HEX_LEN], const char *src, size_t src_cap)
{
	size_t i;

	dst[0] = '\0';
	for (i = 0; i < 32; i++)
		if (i >= src_cap || !isxdigit((unsigned char)src[i]))
			return;
	if (i < src_cap && src[i] != '\0')
		return;
	for (i = 0; i < 32; i++)
		dst[i] = (char)tolower((unsigned char)src[i]);
	dst[32] = '\0';
	if (memcmp(dst, md5_of_nothing, 32) == 0)
		dst[0] = '\0';
}

/* Copy a fixed-size nDPI char array that may lack its NUL. */
static bool copy_array(char *dst, size_t cap, const char *src, size_t src_cap)
{
	char tmp[128];
	size_t n = strnlen(src, src_cap);

	if (n >= sizeof(tmp))
		n = sizeof(tmp) - 1;
	memcpy(tmp, src, n);
	tmp[n] = '\0';
	return pt_dpi_copy_str(dst, cap, tmp);
}

static enum pt_dpi_kind kind_of(ndpi_protocol proto)
{
	/* As nDPI's own serializer (ndpi_dpi2json) does: the master protocol says which dissector filled the
	 * flow's protocol-specific union, else the application protocol. */
	switch (proto.master_protocol != NDPI_PROTOCOL_UNKNOWN ? proto.master_protocol : proto.app_protocol) {
	case NDPI_PROTOCOL_TLS:
	case NDPI_PROTOCOL_DTLS:
		return PT_DPI_KIND_TLS;
	case NDPI_PROTOCOL_QUIC:
		return PT_DPI_KIND_QUIC;
	case NDPI_PROTOCOL_DNS:
	case NDPI_PROTOCOL_MDNS:
		return PT_DPI_KIND_DNS;
	case NDPI_PROTOCOL_HTTP:
	case NDPI_PROTOCOL_HTTP_CONNECT:
	case NDPI_PROTOCOL_HTTP_PROXY:
		return PT_DPI_KIND_HTTP;
	case NDPI_PROTOCOL_SSH:
		return PT_DPI_KIND_SSH;
	default:
		return PT_DPI_KIND_NONE;
	}
}

static void extract_tls(const struct ndpi_flow_struct *nf, struct pt_dpi_result *r)
{
	const uint8_t zero[20] = { 0 };

	copy_digest(r->u.tls.ja3, nf->protos.tls_quic.ja3_client, sizeof(nf->protos.tls_quic.ja3_client));
	copy_digest(r->u.tls.ja3s, nf->protos.tls_quic.ja3_server, sizeof(nf->protos.tls_quic.ja3_server));
	r->u.tls.version = nf->protos.tls_quic.ssl_version;
	r->u.tls.cipher = nf->protos.tls_quic.server_cipher;
	/* Over TCP nDPI flags a fingerprint it computed; its UDP state (DTLS) has no such flag. */
	if (nf->l4_proto == IPPROTO_TCP ? nf->l4.tcp.tls.fingerprint_set != 0
					: memcmp(nf->protos.tls_quic.sha1_certificate_fingerprint, zero, 20) != 0) {
		r->u.tls.has_sha1 = 1;
		memcpy(r->u.tls.sha1, nf->protos.tls_quic.sha1_certificate_fingerprint, 20);
	}
	r->u.tls.not_before = nf->protos.tls_quic.notBefore;
	r->u.tls.not_after = nf->protos.tls_quic.notAfter;
	if (nf->protos.tls_quic.subjectDN != NULL &&
	    pt_dpi_copy_str(r->u.tls.subject, sizeof(r->u.tls.subject), nf->protos.tls_quic.subjectDN))
		r->truncated |= PT_DPI_TRUNC_SUBJECT;
	if (nf->protos.tls_quic.issuerDN != NULL &&
	    pt_dpi_copy_str(r->u.tls.issuer, sizeof(r->u.tls.issuer), nf->protos.tls_quic.issuerDN))
		r->truncated |= PT_DPI_TRUNC_ISSUER;
}

static void extract_dns(const struct ndpi_flow_struct *nf, struct pt_dpi_result *r)
{
	r->u.dns.queries = nf->protos.dns.num_queries;
	r->u.dns.qtype = nf->protos.dns.query_type;
	/* is_query is cleared when nDPI parses a response; rcode and answers mean nothing before that. */
	if (nf->protos.dns.is_query)
		return;
	r->u.dns.response_seen = 1;
	r->u.dns.rcode = nf->protos.dns.reply_code;
	r->u.dns.answers = nf->protos.dns.num_answers;
	if (r->u.dns.answers == 0)
		return;
	if (nf->protos.dns.rsp_type == 1) {
		r->u.dns.answer_type = 1;
		memcpy(r->u.dns.answer_addr, &nf->protos.dns.rsp_addr.ipv4, 4);
	} else if (nf->protos.dns.rsp_type == 28) {
		r->u.dns.answer_type = 28;
		memcpy(r->u.dns.answer_addr, &nf->protos.dns.rsp_addr.ipv6, 16);
	}
}

static void extract_http(const struct ndpi_flow_struct *nf, struct pt_dpi_result *r)
{
	const char *url = nf->http.url;
	const char *path = NULL;

	r->u.http.method = (uint8_t)nf->http.method;
	r->u.http.version = nf->http.request_version;
	r->u.http.status = nf->http.response_status_code;
	/* nDPI 4.2 keeps the Host line followed by the request target ("www.example.com/a?b"), or the target
	 * alone when it is absolute ("http://host/a"), or "host:port" for CONNECT. A Host has no '/'. */
	if (url != NULL) {
		if (strncasecmp(url, "http://", 7) == 0)
			url += 7;
		path = strchr(url, '/');
	}
	if (path != NULL && pt_dpi_copy_str(r->u.http.url_path, sizeof(r->u.http.url_path), path))
		r->truncated |= PT_DPI_TRUNC_URL_PATH;
}

static void extract_ssh(const struct ndpi_flow_struct *nf, struct pt_dpi_result *r)
{
	copy_array(r->u.ssh.client, sizeof(r->u.ssh.client), nf->protos.ssh.client_signature,
		   sizeof(nf->protos.ssh.client_signature));
	copy_array(r->u.ssh.server, sizeof(r->u.ssh.server), nf->protos.ssh.server_signature,
		   sizeof(nf->protos.ssh.server_signature));
	copy_digest(r->u.ssh.hassh, nf->protos.ssh.hassh_client, sizeof(nf->protos.ssh.hassh_client));
	copy_digest(r->u.ssh.hassh_server, nf->protos.ssh.hassh_server, sizeof(nf->protos.ssh.hassh_server));
}

void pt_dpi_extract(struct ndpi_detection_module_struct *ndpi, const struct ndpi_flow_struct *nf, ndpi_protocol proto,
		    bool guessed, struct pt_dpi_result *r)
{
	char name[64];
	uint16_t top = proto.master_protocol != NDPI_PROTOCOL_UNKNOWN ? proto.master_protocol : proto.app_protocol;

	r->app_id = proto.app_protocol;
	r->master_id = proto.master_protocol;
	r->category_id = (uint16_t)proto.category;
	r->confidence = (uint8_t)nf->confidence;
	r->risks = nf->risk;
	r->guessed = guessed;
	r->kind = (uint8_t)kind_of(proto);

	if (top != NDPI_PROTOCOL_UNKNOWN) {
		const char *p = ndpi_get_proto_name(ndpi, top);
		size_t i;

		/* network.protocol is the application-layer protocol (ECS): the master when nDPI has one
		 * ("TLS" of "TLS.Google"), lowercase. nDPI's names are short ASCII. */
		for (i = 0; p != NULL && p[i] != '\0' && i + 1 < sizeof(r->protocol); i++)
			r->protocol[i] = (char)tolower((unsigned char)p[i]);
		r->protocol[i] = '\0';
		ndpi_protocol2name(ndpi, proto, name, sizeof(name));
		if (pt_dpi_copy_str(r->dpi_protocol, sizeof(r->dpi_protocol), name))
			r->truncated |= PT_DPI_TRUNC_DPI_PROTOCOL;
	}
	if (proto.category != NDPI_PROTOCOL_CATEGORY_UNSPECIFIED) {
		const char *c = ndpi_category_get_name(ndpi, proto.category);

		if (c != NULL && pt_dpi_copy_str(r->category, sizeof(r->category), c))
			r->truncated |= PT_DPI_TRUNC_CATEGORY;
	}

	switch (r->kind) {
	case PT_DPI_KIND_TLS:
	case PT_DPI_KIND_QUIC:
	case PT_DPI_KIND_DNS:
	case PT_DPI_KIND_HTTP:
		/* SNI, DNS question or Host: nDPI's general-purpose name field, for these protocols only. */
		if (copy_array(r->server_name, sizeof(r->server_name), nf->host_server_name, sizeof(nf->host_server_name)))
			r->truncated |= PT_DPI_TRUNC_SERVER_NAME;
		break;
	default:
		break;
	}
	if ((r->kind == PT_DPI_KIND_HTTP || r->kind == PT_DPI_KIND_QUIC) && nf->http.user_agent != NULL &&
	    pt_dpi_copy_str(r->user_agent, sizeof(r->user_agent), nf->http.user_agent))
		r->truncated |= PT_DPI_TRUNC_USER_AGENT;

	switch (r->kind) {
	case PT_DPI_KIND_TLS:
	case PT_DPI_KIND_QUIC:
		extract_tls(nf, r);
		break;
	case PT_DPI_KIND_DNS:
		extract_dns(nf, r);
		break;
	case PT_DPI_KIND_HTTP:
		extract_http(nf, r);
		break;
	case PT_DPI_KIND_SSH:
		extract_ssh(nf, r);
		break;
	default:
		break;
	}
}
