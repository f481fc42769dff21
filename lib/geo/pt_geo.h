/* SPDX-License-Identifier: BSD-3-Clause */
/* pt_geo.h - Country and AS lookups in MaxMind DB files: immutable handles, a per-worker cache, reload published by RCU. */
#ifndef PT_GEO_H
#define PT_GEO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Three parts, none of which needs rte_eal_init (the -r mode has no EAL):
 *
 *  - struct pt_geo_db: an immutable handle on up to two MaxMind DB files, a country database and an ASN
 *    database. Supported layouts, detected once per file at open from its records:
 *      country: GeoLite2/GeoIP2 Country or City, DB-IP Lite (country.iso_code);
 *               ip-location-db country files (top-level country_code);
 *      ASN:     GeoLite2-ASN, GeoIP2-ISP, ip-location-db asn-mmdb and podtap's own asn.mmdb
 *               (autonomous_system_number, autonomous_system_organization);
 *               GeoIP2 Enterprise (traits.autonomous_system_number, traits.autonomous_system_organization).
 *    A file is copied into sealed private memory (a memfd) at open, so a file rewritten in place (cp over
 *    it) can never fault a reader; replacing it by rename is still the clean way. Without /proc the file
 *    itself is mapped, as libmaxminddb does, and only a rename is safe.
 *    A thread of the handle's flattens the IPv4 parts of both trees into one index (sorted ranges, each with
 *    the pair of answers, found from a table of /16s; about 0.1 s and 9 MiB for the default databases),
 *    shared read-only by every worker once built: an IPv4 lookup is then a short search, not two tree walks
 *    and two record decodes. Until then, and for IPv6, lookups walk the trees (same answers). The first
 *    handle's build starts with pt_geo_start_index() (pt_geo_wait_index() waits for it), a reloaded handle's
 *    at its reload, on a thread that inherits the CPU affinity of the control thread that starts it.
 *  - struct pt_geo_cache: one per worker, fixed size, keyed by (address, database generation); it stores
 *    "not found" too, so a worker asks the database once per external address while it stays cached. IPv4
 *    addresses of a handle with an index go straight to the index, which answers as fast as a cache probe.
 *  - struct pt_geo_published: the control side publishes handles to workers by QSBR (DPDK's rte_rcu_qsbr,
 *    on memory this library allocates; no EAL needed), and reloads a database file that changed on disk.
 *
 * Protocol between the control side and the workers:
 *
 *   control, at start:  db = pt_geo_db_open(country, asn); log pt_geo_db_describe() for both kinds;
 *                       pub = pt_geo_published_create(db, n_workers); pt_geo_start_index(pub);
 *                       ... (optionally pt_geo_wait_index(pub) before the workers start)
 *   worker w, at start: pt_geo_worker_online(pub, w);
 *   worker, per burst:  const struct pt_geo_db *db = pt_geo_current(pub);   (once, at the start)
 *                       ... pt_geo_cache_lookup(cache, db, ...) once per new flow endpoint ...
 *                       pt_geo_quiescent(pub, w);                          (at the end: db is no longer used)
 *   worker w, at stop:  pt_geo_worker_offline(pub, w);
 *   control, periodic:  rc = pt_geo_reload_check(pub, msg, sizeof(msg)); log msg when rc != 0
 *                       (with reloads turned off, still call pt_geo_reclaim() if anything calls pt_geo_publish());
 *   control, at exit:   after every worker stopped, pt_geo_published_free(pub).
 *
 * pt_geo_publish() (which pt_geo_reload_check() uses) swaps the pointer and retires the old handle; it never
 * waits. A retired handle is freed by a later pt_geo_reclaim() (every pt_geo_reload_check() calls it) once every
 * online worker has called pt_geo_quiescent() since the swap. A worker that is offline does not hold a grace
 * period back. A thread that is both worker and control side (the libpcap mode) either does not go online at
 * all (its control turns never overlap its bursts), or calls pt_geo_quiescent() at the end of each burst before
 * its control turn: nothing ever blocks.
 *
 * Threading: pt_geo_current(), pt_geo_quiescent() and pt_geo_cache_*() are for workers (a cache belongs to one
 * worker); pt_geo_db_lookup() may be called from any thread on a handle it holds; everything else is control
 * side, called from one thread at a time.
 */

/** Longest AS organisation kept, with its NUL; longer names are cut at a UTF-8 character boundary. */
#define PT_GEO_AS_ORG_LEN 128
/** Longest line pt_geo_db_describe() returns, with its NUL. */
#define PT_GEO_INFO_LEN 512

/** The two databases a handle may hold. */
enum pt_geo_kind {
	PT_GEO_COUNTRY = 0,
	PT_GEO_ASN = 1,
};

/* struct pt_geo_result.flags: which fields were found. A field without its flag is zero / empty. */
#define PT_GEO_F_COUNTRY 0x01u   /**< country_iso_code holds two upper-case letters */
#define PT_GEO_F_AS_NUMBER 0x02u /**< as_number is set (never 0) */
#define PT_GEO_F_AS_ORG 0x04u    /**< as_organization is a non-empty UTF-8 string */

/** What is known about one address. Nothing is ever a placeholder: a field is either found or flagged absent. */
struct pt_geo_result {
	uint32_t as_number;
	uint8_t flags;
	char country_iso_code[3];
	char as_organization[PT_GEO_AS_ORG_LEN];
};

/* ---- database handles (control side) ------------------------------------------------------------------ */

struct pt_geo_db;

/**
 * Open a country database and an ASN database. Either path may be "" (or NULL): that database is not used.
 * A path that cannot be used (missing, unreadable, not a MaxMind DB, truncated, or without the expected
 * data) leaves that database out of the handle; pt_geo_db_describe() gives the one-line reason to log, and
 * lookups then simply find nothing for it.
 * @return the handle (generation 1), or NULL only when memory runs out.
 */
struct pt_geo_db *pt_geo_db_open(const char *country_path, const char *asn_path);

/** Free a handle that is not published (pt_geo_published_free() frees published ones); NULL is a no-op. */
void pt_geo_db_free(struct pt_geo_db *db);

/** Whether the handle holds a usable database of @p kind. */
bool pt_geo_db_loaded(const struct pt_geo_db *db, enum pt_geo_kind kind);

/**
 * One line about the database of @p kind, for the log: "country database PATH: TYPE, built DATE, N nodes"
 * when loaded, "country database PATH: REASON" when not.
 * @return the line, or NULL when that database is not configured (empty path) or @p db is NULL.
 */
const char *pt_geo_db_describe(const struct pt_geo_db *db, enum pt_geo_kind kind);

/**
 * One line about the handle's IPv4 index, for the log: "IPv4 index: N ranges, N distinct answers, X MiB, built in
 * N ms", or why it was not built (IPv4 lookups then walk the databases' trees). NULL while it is being built, and
 * when no database is loaded.
 */
const char *pt_geo_db_describe_index(const struct pt_geo_db *db);

/** Whether the handle's IPv4 index is not built yet (being built, or not started); false without databases. */
bool pt_geo_db_index_pending(const struct pt_geo_db *db);

/**
 * Start building the handle's IPv4 index on a thread (once; later calls do nothing). Control side. When no thread
 * can be created, the index is built on the caller's thread before this returns (0.1 s for the default databases,
 * seconds for large ones); NULL is a no-op.
 */
void pt_geo_db_start_index(struct pt_geo_db *db);

/** Whether IPv4 lookups on the handle are answered by its index (false while it is being built). */
bool pt_geo_db_indexed(const struct pt_geo_db *db);

/** Wait until the handle's IPv4 index is built, or known not to be, building it on this thread if it was not
 *  started (control side; tests). NULL is a no-op. */
void pt_geo_db_wait_index(struct pt_geo_db *db);

/** The handle's generation: 1 from pt_geo_db_open(), then +1 for each handle published after it. */
uint64_t pt_geo_db_generation(const struct pt_geo_db *db);

/**
 * Look @p addr up in both databases, without a cache. An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is looked
 * up as IPv4. Allocates nothing.
 * @param ip_version 4 (address in addr[0..3]) or 6.
 * @param res filled in every case; res->flags says what was found.
 * @return 0 when something was found, -ENOENT when nothing was, -EIO when nothing was and a database reported
 *         an error (a corrupt search tree or data section), -EINVAL for a NULL argument or a bad version.
 */
int pt_geo_db_lookup(const struct pt_geo_db *db, uint8_t ip_version, const uint8_t addr[16],
		     struct pt_geo_result *res);

/**
 * pt_geo_db_lookup(), and the length of a prefix around @p addr over which @p res holds, in bits of the address
 * family looked up (0..32 for IPv4, 0..128 for IPv6): for IPv6 (and IPv4 without an index) the most specific of
 * the networks the databases' search trees ended in (a network without data counts too); for IPv4 with an index,
 * the biggest aligned network around @p addr inside its range. On an error *prefix_bits is the full length.
 */
int pt_geo_db_lookup_prefix(const struct pt_geo_db *db, uint8_t ip_version, const uint8_t addr[16],
			    struct pt_geo_result *res, uint8_t *prefix_bits);

/* ---- per-worker cache (one worker) ---------------------------------------------------------------------- */

struct pt_geo_cache;

/** Network entries of a cache: one per IPv4 /16; IPv6 /32 prefixes hash into the same table. */
#define PT_GEO_CACHE_NETWORKS 65536u

/** Counters of one cache, written by its worker only. */
struct pt_geo_cache_stats {
	uint64_t lookups; /**< calls to pt_geo_cache_lookup() */
	uint64_t hits;    /**< answered from the cache (found or not found), by address or by network */
	uint64_t network_hits; /**< of which by the network entry of the address's /16 (IPv4) or /32 (IPv6) */
	uint64_t misses;  /**< answered by the database's trees, then cached */
	uint64_t errors;  /**< lookups on which a database reported an error (a miss caches it as not found) */
	uint64_t indexed; /**< IPv4 lookups answered by the handle's index, which the cache does not keep */
};

/**
 * Create a direct-mapped cache of @p entries results (rounded up to a power of two, at most 2^24), and a table
 * of PT_GEO_CACHE_NETWORKS network entries: a result that holds for a whole /16 (IPv4) or /32 (IPv6) is kept
 * there, indexed by that prefix, so that a flood of new addresses (a SYN flood from random sources) still hits
 * for the ~70% of IPv4 space the databases cover in /16 or larger networks. All memory is allocated here (pages
 * are touched only when used); lookups never allocate. An entry takes 168 bytes.
 * @return the cache, or NULL when @p entries is 0 or too large, or memory runs out.
 */
struct pt_geo_cache *pt_geo_cache_create(uint32_t entries);

/** Free a cache; NULL is a no-op. */
void pt_geo_cache_free(struct pt_geo_cache *cache);

/**
 * Look an address up through the cache (an IPv4 address of a handle with an index: in the index). An entry is used only if it was filled from a handle of the same
 * generation, so a reload invalidates the cache without touching it. A miss replaces whatever entry the
 * address maps to.
 * @param db the handle from pt_geo_current() (NULL, or a handle without databases, finds nothing).
 * @return as pt_geo_db_lookup(); a cached error is returned as -ENOENT.
 */
int pt_geo_cache_lookup(struct pt_geo_cache *cache, const struct pt_geo_db *db, uint8_t ip_version,
			const uint8_t addr[16], struct pt_geo_result *res);

/** Copy the cache's counters (from any thread; a report may be one lookup stale). */
void pt_geo_cache_stats(const struct pt_geo_cache *cache, struct pt_geo_cache_stats *stats);

/* ---- publishing and reload --------------------------------------------------------------------------------- */

struct pt_geo_published;

/**
 * Publish @p db as the first handle, for workers numbered 0 .. @p max_workers - 1.
 * @return the publication, owning @p db; NULL when @p db is NULL, @p max_workers is 0 or above RTE_MAX_LCORE, or
 *         memory runs out (then @p db still belongs to the caller).
 */
struct pt_geo_published *pt_geo_published_create(struct pt_geo_db *db, uint32_t max_workers);

/**
 * Control side: start building the current handle's IPv4 index (pt_geo_db_start_index()), as early as possible:
 * the build then runs beside the rest of the set-up. The builder thread inherits the caller's CPU affinity. A
 * reloaded handle's build starts at its reload, from the control thread. NULL is a no-op.
 */
void pt_geo_start_index(struct pt_geo_published *pub);

/**
 * Control side: wait until the current handle's index is built (or known not to be), building it here if it was
 * not started. DPDK mode calls it before launching the workers, so that no build shares their start (its page
 * faults and memory traffic cost a worker at 10 Mpps tens of thousands of packets). NULL is a no-op.
 */
void pt_geo_wait_index(struct pt_geo_published *pub);

/** Free the publication, its current handle and every retired one. Only after every worker stopped; NULL is a no-op. */
void pt_geo_published_free(struct pt_geo_published *pub);

/**
 * Worker side, at start (from the worker's thread): take part in grace periods from now on.
 * @return 0, or -EINVAL when @p worker >= max_workers.
 */
int pt_geo_worker_online(struct pt_geo_published *pub, uint32_t worker);

/** Worker side, at stop: stop taking part, so that reloads no longer wait for this worker. */
void pt_geo_worker_offline(struct pt_geo_published *pub, uint32_t worker);

/**
 * Worker side, once per burst: the current handle, valid until this worker's next pt_geo_quiescent().
 * NULL for a NULL @p pub (geo not configured), which pt_geo_cache_lookup() accepts.
 */
const struct pt_geo_db *pt_geo_current(struct pt_geo_published *pub);

/** Worker side, at the end of each burst: the worker holds no handle any more. NULL @p pub: no-op. */
void pt_geo_quiescent(struct pt_geo_published *pub, uint32_t worker);

/**
 * Control side: make @p db the current handle (its generation becomes the current one's + 1) and retire the
 * old one, to be freed by pt_geo_reclaim() after a grace period. Never waits.
 * @return 0 (the publication owns @p db), or -EBUSY when too many retired handles still wait for their grace
 *         period (@p db still belongs to the caller; call pt_geo_reclaim() and try again later), -EINVAL for NULL.
 */
int pt_geo_publish(struct pt_geo_published *pub, struct pt_geo_db *db);

/**
 * Control side: free the retired handles whose grace period has ended.
 * @return how many retired handles still wait.
 */
unsigned pt_geo_reclaim(struct pt_geo_published *pub);

/**
 * Control side, every few seconds: reclaim retired handles, then stat both configured files (device, inode,
 * size, mtime, ctime). When one changed and the new file opens cleanly, publish a new handle with it (the
 * other database is shared, not reopened). A changed file that does not open cleanly leaves the current handle
 * in place and is reported once; it is tried again when it changes again. An unchanged file is not reopened.
 * A file that was missing or bad at start is picked up when it appears or is fixed.
 * @param msg filled with one line to log when the return value is not 0 ("" otherwise). When a new handle was
 *        published and the other file failed at the same time, the line says both.
 * @return 1 when a new generation was published, 0 when nothing changed (or a file changed while it was being
 *         read: it is tried again at the next check), or the negative errno of a failed open (-ENOENT, -EACCES,
 *         -EINVAL for a path that is not a regular file, -EBADMSG for a file that is not a valid MaxMind DB,
 *         -ENODATA for one without the expected data, -ENOMEM), or -EBUSY when old handles still wait for
 *         workers to pass a quiescent state, or -EINVAL for a NULL @p pub.
 */
int pt_geo_reload_check(struct pt_geo_published *pub, char *msg, size_t msg_len);

#endif /* PT_GEO_H */
