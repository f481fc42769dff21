/* SPDX-License-Identifier: BSD-3-Clause */
/* pt_dpi.h - Per-worker application classification with nDPI 4.2: pooled per-flow state, a packet cap, compact results. */
#ifndef PT_DPI_H
#define PT_DPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pt_decode.h"

/*
 * One struct pt_dpi per worker holds an nDPI detection module and two fixed pools, both allocated by
 * pt_dpi_create() with libc (no EAL needed):
 *
 *  - nDPI flow states (struct ndpi_flow_struct, 688 bytes in 4.2), taken when a flow carries its first
 *    L4 payload byte and returned as soon as classification ends;
 *  - results (struct pt_dpi_result, at most 768 bytes), taken with the state and kept until the caller
 *    has written the flow's record and calls pt_dpi_flow_release().
 *
 * The caller keeps one struct pt_dpi_flow (12 bytes) per flow-table slot, in a side array indexed like
 * the flow table, and passes it with every packet of that flow. Nothing here allocates, locks or logs per
 * packet; nDPI 4.2 itself allocates a few strings per flow while it dissects (SNI list, certificate names,
 * URL, User-Agent), which pt_dpi frees when it returns the state to its pool. See docs/dpi.md.
 *
 * A struct pt_dpi and the handles used with it belong to one thread.
 */

/** Settings, fixed at create. */
struct pt_dpi_config {
	uint32_t max_states;   /* flows being classified at once (nDPI state pool), 1..2^24 */
	uint32_t max_results;  /* flows holding a result until their record is written, 1..2^26 */
	uint16_t max_packets;  /* packets given to nDPI per flow before it gives up, 1..PT_DPI_MAX_PACKETS */
	bool guess;            /* when nDPI gives up unclassified, let it guess by port and address (confidence
				* then says "Match by port" or "Match by IP"), as ndpiReader does by default */
};

#define PT_DPI_MAX_PACKETS 1024

/** Fill @p cfg with the defaults: 65536 states (as the dpi.max_flows key), 65536 results, 32 packets, guessing on. */
void pt_dpi_config_default(struct pt_dpi_config *cfg);

/** Where a flow stands (struct pt_dpi_flow::status). */
enum pt_dpi_status {
	PT_DPI_STATUS_NONE = 0,   /* no payload yet: holds nothing (a zeroed handle) */
	PT_DPI_STATUS_ACTIVE,     /* being classified: holds an nDPI state and a result slot */
	PT_DPI_STATUS_DONE,       /* classification ended: holds a result until pt_dpi_flow_release() */
	PT_DPI_STATUS_SKIPPED,    /* a pool was empty at its first payload byte, or it was shed: never classified */
};

/**
 * Per-flow handle, owned by the caller (one per flow-table slot). All zero (PT_DPI_FLOW_INIT) for a new
 * flow; only pt_dpi_* functions change it. The fields may be read.
 */
struct pt_dpi_flow {
	uint32_t state;    /* 1 + index in the state pool, 0 when none is held */
	uint32_t result;   /* 1 + index in the result pool, 0 when none is held */
	uint16_t packets;  /* packets given to nDPI */
	uint8_t status;    /* enum pt_dpi_status */
	uint8_t reserved;
};

#define PT_DPI_FLOW_INIT { 0, 0, 0, PT_DPI_STATUS_NONE, 0 }

/** Why classification ended (struct pt_dpi_result::end). */
enum pt_dpi_end {
	PT_DPI_END_DETECTED = 1,  /* nDPI classified the flow and had nothing more to extract */
	PT_DPI_END_PACKET_CAP,    /* max_packets reached first */
	PT_DPI_END_FLOW_END,      /* the flow ended while still being classified (pt_dpi_flow_end) */
};

/** What kind of application data a result carries (which member of pt_dpi_result::u is valid). */
enum pt_dpi_kind {
	PT_DPI_KIND_NONE = 0,
	PT_DPI_KIND_TLS,   /* TLS or DTLS, and protocols nDPI puts over TLS ("TLS.Google", IMAPS...) */
	PT_DPI_KIND_QUIC,  /* QUIC: the TLS fields nDPI gets from the client Initial */
	PT_DPI_KIND_DNS,   /* DNS and mDNS */
	PT_DPI_KIND_HTTP,  /* HTTP and protocols nDPI puts over it ("HTTP.Google") */
	PT_DPI_KIND_SSH,
};

/** struct pt_dpi_result::truncated bits: the string did not fit and was cut (at a UTF-8 boundary). */
#define PT_DPI_TRUNC_DPI_PROTOCOL 0x01
#define PT_DPI_TRUNC_CATEGORY     0x02
#define PT_DPI_TRUNC_USER_AGENT   0x04
#define PT_DPI_TRUNC_SUBJECT      0x08
#define PT_DPI_TRUNC_ISSUER       0x10
#define PT_DPI_TRUNC_URL_PATH     0x20
#define PT_DPI_TRUNC_SERVER_NAME  0x40

#define PT_DPI_PROTOCOL_LEN 24      /* network.protocol */
#define PT_DPI_DPI_PROTOCOL_LEN 40  /* podtap.dpi.protocol */
#define PT_DPI_CATEGORY_LEN 32
#define PT_DPI_SERVER_NAME_LEN 80   /* nDPI 4.2 keeps at most 79 characters of a name */
#define PT_DPI_USER_AGENT_LEN 128
#define PT_DPI_DN_LEN 152
#define PT_DPI_URL_PATH_LEN 288
#define PT_DPI_HASH_HEX_LEN 33      /* 32 hex digits (MD5 of JA3, JA3S, HASSH) and the NUL */
#define PT_DPI_SSH_BANNER_LEN 48    /* nDPI 4.2 keeps at most 47 characters of an SSH banner */

/**
 * What classification found for one flow. Fixed size (see PT_DPI_RESULT_MAX_SIZE); strings are
 * NUL-terminated and empty when nDPI gave nothing; numbers are 0 when absent. Produced on the worker,
 * read anywhere (it holds no pointers, so it can be copied into a record). pt_dpi_result_walk() turns it
 * into ECS fields; docs/dpi.md lists them with examples.
 */
struct pt_dpi_result {
	uint64_t risks;                              /* nDPI flow risks: bit n set = ndpi_risk_enum n */
	uint16_t app_id;                             /* nDPI protocol ids (0 = unknown) */
	uint16_t master_id;
	uint16_t category_id;
	uint16_t packets;                            /* packets nDPI took (podtap.dpi.packets) */
	uint8_t confidence;                          /* ndpi_confidence_t */
	uint8_t kind;                                /* enum pt_dpi_kind */
	uint8_t end;                                 /* enum pt_dpi_end */
	uint8_t truncated;                           /* PT_DPI_TRUNC_* */
	uint8_t guessed;                             /* the protocol is nDPI's guess after it gave up */
	uint8_t reserved[3];
	char protocol[PT_DPI_PROTOCOL_LEN];          /* network.protocol: master protocol (else app), lowercase */
	char dpi_protocol[PT_DPI_DPI_PROTOCOL_LEN];  /* podtap.dpi.protocol: nDPI's "master.app", e.g. "TLS.Google" */
	char category[PT_DPI_CATEGORY_LEN];          /* podtap.dpi.category, e.g. "Web" */
	char server_name[PT_DPI_SERVER_NAME_LEN];    /* TLS/QUIC SNI, DNS question name, HTTP Host (with any port) */
	char user_agent[PT_DPI_USER_AGENT_LEN];      /* HTTP User-Agent; QUIC: the UAID transport parameter */
	union {
		struct {                             /* PT_DPI_KIND_TLS, PT_DPI_KIND_QUIC */
			char ja3[PT_DPI_HASH_HEX_LEN];        /* client JA3, lowercase hex */
			char ja3s[PT_DPI_HASH_HEX_LEN];       /* server JA3S (TLS only) */
			uint16_t version;                     /* negotiated version, e.g. 0x0303 (TLS 1.2) */
			uint16_t cipher;                      /* cipher suite the server chose */
			uint8_t has_sha1;
			uint8_t sha1[20];                     /* SHA-1 of the server's certificate (DER) */
			uint32_t not_before;                  /* certificate validity, seconds since the epoch */
			uint32_t not_after;
			char subject[PT_DPI_DN_LEN];          /* certificate subject DN, "C=NL, O=..., CN=..." */
			char issuer[PT_DPI_DN_LEN];           /* certificate issuer DN */
		} tls;
		struct {                             /* PT_DPI_KIND_DNS */
			uint8_t response_seen;                /* a response was parsed: rcode and answers are valid */
			uint8_t rcode;                        /* RCODE of the response */
			uint8_t queries;                      /* question count */
			uint8_t answers;                      /* answer count of the response */
			uint16_t qtype;                       /* question type, e.g. 1 (A), 28 (AAAA) */
			uint16_t answer_type;                 /* type of answer_addr: 1 (A) or 28 (AAAA); 0 = none */
			uint8_t answer_addr[16];              /* the first A/AAAA address of the response (IPv4 in 4 bytes) */
		} dns;
		struct {                             /* PT_DPI_KIND_HTTP */
			uint8_t method;                       /* ndpi_http_method; 0 = no request seen */
			uint8_t version;                      /* request HTTP/1.x minor version (0 or 1) */
			uint16_t status;                      /* response status code; 0 = none seen */
			char url_path[PT_DPI_URL_PATH_LEN];   /* request target after the host, e.g. "/a/b?c=1" */
		} http;
		struct {                             /* PT_DPI_KIND_SSH */
			char client[PT_DPI_SSH_BANNER_LEN];    /* client identification string, "SSH-2.0-OpenSSH_9.2p1 ..." */
			char server[PT_DPI_SSH_BANNER_LEN];
			char hassh[PT_DPI_HASH_HEX_LEN];       /* HASSH of the client KEXINIT, lowercase hex */
			char hassh_server[PT_DPI_HASH_HEX_LEN];
		} ssh;
	} u;
};

#define PT_DPI_RESULT_MAX_SIZE 768

/** Per-worker counters (plain fields written by the worker, see docs/architecture.md). */
struct pt_dpi_stats {
	uint64_t flows_started;      /* flows that took a state at their first payload byte */
	uint64_t flows_classified;   /* classification ended with an application protocol found by DPI */
	uint64_t flows_given_up;     /* ended without one: nDPI's give-up ran (packet cap or flow end) */
	uint64_t flows_guessed;      /* of those, flows nDPI then guessed by port or address */
	uint64_t flows_capped;       /* ended by max_packets (classified or not) */
	uint64_t flows_ended_in_dpi; /* still being classified when the flow ended (pt_dpi_flow_end) */
	uint64_t pool_exhausted;     /* flows with payload that found the state pool empty: not classified */
	uint64_t results_exhausted;  /* flows with payload that found the result pool empty: not classified */
	uint64_t flows_shed;         /* new flows not classified because the worker was behind (pt_dpi_flow_shed) */
	uint64_t packets_inspected;  /* packets given to nDPI */
	uint64_t packets_mismatched; /* packets not given: IP version or L4 protocol unlike the flow's first */
	uint64_t states_in_use;      /* now */
	uint64_t results_in_use;     /* now */
};

struct pt_dpi;

/**
 * Create a worker's classifier: an nDPI 4.2 module with every protocol enabled, and both pools. All
 * memory comes from libc here; nothing else in this library allocates. Creating modules is serialised
 * internally (nDPI forbids parallel initialisation), so workers may call this from their own threads.
 * @param cfg      settings (see pt_dpi_config_default()).
 * @param err      receives a one-line reason on failure; may be NULL.
 * @return the classifier, or NULL: an out-of-range setting, nDPI failing to initialise, or memory short.
 */
struct pt_dpi *pt_dpi_create(const struct pt_dpi_config *cfg, char *err, size_t err_len);

/** Free a classifier and everything nDPI allocated for it; results read from it become invalid. NULL is a no-op. */
void pt_dpi_free(struct pt_dpi *dpi);

/**
 * Give one packet of a flow to nDPI. A flow takes a state and a result slot at its first packet with L4
 * payload (payload_len > 0); earlier packets are not given to nDPI. From then on every packet of the flow
 * is given (nDPI tracks TCP sequence numbers), until nDPI has classified it and extracted what it can
 * (including the extra dissection for certificates, JA3S, DNS answers, HASSH), or until max_packets:
 * then nDPI gives up if it has found nothing, the result is filled and the state goes back to the pool.
 * Direction needs no argument: nDPI 4.2 takes it from the IP header.
 * A packet whose IP version or L4 protocol differs from the flow's first given packet is not given to nDPI
 * (counted in packets_mismatched): nDPI keeps TCP and UDP state in one union, and would lose track of what
 * it allocated. A caller keying flows on them, as lib/flow does, never sends one.
 * @param df       the flow's handle.
 * @param l3       first byte of the (innermost) IP header.
 * @param l3_len   bytes from @p l3 to the end of the IP packet's captured payload (Ethernet padding excluded).
 *                 Packets cut by the snap length are given as captured; nDPI ignores their L4 part.
 * @param l4_proto IANA protocol number after any IPv6 extension headers (struct pt_decoded::l4_proto).
 * @param payload_len L4 payload bytes in this packet.
 * @param ts_ns    packet time (nDPI uses milliseconds).
 * @return true while the flow still wants packets (status NONE or ACTIVE), false once it does not
 *         (DONE or SKIPPED): the caller may stop calling for this flow.
 */
bool pt_dpi_packet(struct pt_dpi *dpi, struct pt_dpi_flow *df, const uint8_t *l3, uint32_t l3_len, uint8_t l4_proto,
		   uint32_t payload_len, uint64_t ts_ns);

/**
 * pt_dpi_packet() for a frame decoded by pt_decode_frame(): computes the IP header and lengths from
 * @p pkt. IP fragments (first or later) are not given to nDPI, which cannot use them; they return true.
 * @param frame  the frame @p pkt was decoded from.
 */
bool pt_dpi_packet_decoded(struct pt_dpi *dpi, struct pt_dpi_flow *df, const uint8_t *frame,
			   const struct pt_decoded *pkt, uint64_t ts_ns);

/** True while the flow still wants packets (status NONE or ACTIVE); cheap, for the caller's fast path. */
static inline bool pt_dpi_flow_wants(const struct pt_dpi_flow *df)
{
	return df->status <= PT_DPI_STATUS_ACTIVE;
}

/**
 * Shed a flow that has not started classification (status NONE): it is never classified (SKIPPED, no result) and
 * counted in flows_shed. A worker that has fallen behind its capture does this to new flows, since nDPI's cost is
 * per flow and packet loss does not lower it. A flow already being classified, or done, is left as it is.
 * @return true if the flow was shed.
 */
bool pt_dpi_flow_shed(struct pt_dpi *dpi, struct pt_dpi_flow *df);

/**
 * The flow is ending (or its record is about to be written at shutdown): if it is still being classified,
 * let nDPI give up, fill the result with what it has, and return the state to the pool. Otherwise nothing.
 * The result stays until pt_dpi_flow_release().
 */
void pt_dpi_flow_end(struct pt_dpi *dpi, struct pt_dpi_flow *df);

/**
 * The flow's result, once classification has ended.
 * @return the result (valid until pt_dpi_flow_release()), or NULL when the flow was never classified
 *         (no payload, pools empty) or is still being classified.
 */
const struct pt_dpi_result *pt_dpi_flow_result(const struct pt_dpi *dpi, const struct pt_dpi_flow *df);

/**
 * Return everything the flow holds (a state without extracting anything, its result) and zero the handle
 * for the slot's next flow. Call after the flow's final record is written. A zeroed handle is a no-op.
 */
void pt_dpi_flow_release(struct pt_dpi *dpi, struct pt_dpi_flow *df);

/** Copy the classifier's counters. */
void pt_dpi_stats(const struct pt_dpi *dpi, struct pt_dpi_stats *stats);

/** Add one worker's counters @p add into @p sum. */
void pt_dpi_stats_add(struct pt_dpi_stats *sum, const struct pt_dpi_stats *add);

/** Bytes the two pools take (states and results), for documentation and start-up logs. */
size_t pt_dpi_pool_bytes(const struct pt_dpi_config *cfg);

/** sizeof(struct ndpi_flow_struct) in the nDPI this was built with (688 for 4.2). */
size_t pt_dpi_ndpi_flow_size(void);

/* ---- turning a result into ECS fields ----------------------------------------------------------- */

/** One step of a walk: it maps one-to-one onto pt_json_begin_object/.../pt_json_string/pt_json_u64. */
enum pt_dpi_walk_event {
	PT_DPI_WALK_BEGIN_OBJECT = 0, /* open object @key (NULL inside an array) */
	PT_DPI_WALK_END_OBJECT,
	PT_DPI_WALK_BEGIN_ARRAY,      /* open array @key */
	PT_DPI_WALK_END_ARRAY,
	PT_DPI_WALK_STRING,           /* @key (NULL inside an array): @str */
	PT_DPI_WALK_U64,              /* @key: @num */
	PT_DPI_WALK_TIME,             /* @key: @num nanoseconds since the epoch, to write as RFC 3339 */
};

struct pt_dpi_walk_item {
	enum pt_dpi_walk_event event;
	const char *key;   /* member name relative to the enclosing object, e.g. "server_name" */
	const char *str;   /* PT_DPI_WALK_STRING: valid during the call only */
	uint64_t num;      /* PT_DPI_WALK_U64, PT_DPI_WALK_TIME */
};

typedef void (*pt_dpi_walk_fn)(void *ctx, const struct pt_dpi_walk_item *item);

/** pt_dpi_result_walk() flag: wrap the members in BEGIN_OBJECT(@object)/END_OBJECT (only if there are any). */
#define PT_DPI_WALK_WRAP 0x1

/**
 * Walk the ECS fields of a result, in a fixed order, calling @p fn for each step. Absent values are
 * skipped (never placeholders), and an object with no members is not emitted at all.
 * The top-level objects a result can fill, in this order: "network" (protocol), "url", "http",
 * "user_agent", "tls", "dns", "podtap" (dpi.*). "network" and "podtap" also hold the flow record's own
 * fields: walk them with @p object set and no flag, from inside the caller's own object, so that the
 * members merge into it; walk the others with PT_DPI_WALK_WRAP (or all objects at once with NULL).
 * Names are rendered here: TLS versions, cipher names (a lock guards nDPI's cipher table), DNS types and
 * response codes, risk names, hex digests. Safe to call from any thread.
 * @param object  one top-level object, or NULL for all of them (each wrapped in its object).
 * @param flags   PT_DPI_WALK_WRAP or 0 (ignored when @p object is NULL).
 * @return the number of values emitted (strings, numbers, times); 0 means nothing was emitted.
 */
unsigned int pt_dpi_result_walk(const struct pt_dpi_result *r, const char *object, unsigned int flags,
				pt_dpi_walk_fn fn, void *ctx);

/** Names of the top-level objects pt_dpi_result_walk() can emit, NULL-terminated, in walk order. */
extern const char *const pt_dpi_walk_objects[];

/**
 * The risks among @p risks that make an alert more severe: certificate problems (self-signed, expired, name
 * mismatch), DGA-like, risky or malicious names, JA3 and certificate hashes, suspicious entropy or user agent,
 * unsafe protocols, and a known protocol on a non-standard port.
 */
uint64_t pt_dpi_risks_of_concern(uint64_t risks);

/** nDPI's name of risk bit @p bit, or NULL out of range (bit 0 is "no risk"). */
const char *pt_dpi_risk_name(unsigned int bit);

/** Name of an ending, for logs and tests: "detected", "packet_cap", "flow_end". */
const char *pt_dpi_end_name(enum pt_dpi_end end);

#endif /* PT_DPI_H */
