/* SPDX-License-Identifier: BSD-3-Clause */
/* geo_priv.h - Internals of lib/geo shared by its files: the handle, its two database slots, file identity. */
#ifndef GEO_PRIV_H
#define GEO_PRIV_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <maxminddb.h>

#include "pt_geo.h"

#define GEO_KINDS 2

/* Identity of a file as stat() sees it; two stats of an unchanged file compare equal. */
struct geo_file_id {
	int err; /* 0, or the errno of a failed stat/open: then only err is compared */
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtim;
	struct timespec ctim;
};

/* Where a database's fields are. */
enum geo_layout {
	GEO_LAYOUT_NONE = 0,
	GEO_LAYOUT_COUNTRY_GEOIP2, /* country.iso_code (GeoLite2/GeoIP2 Country and City, DB-IP) */
	GEO_LAYOUT_COUNTRY_FLAT,   /* country_code (ip-location-db) */
	GEO_LAYOUT_ASN,            /* autonomous_system_number / autonomous_system_organization */
	GEO_LAYOUT_ASN_TRAITS,     /* traits.autonomous_system_* (GeoIP2 Enterprise) */
};

/* One opened MaxMind DB, shared by every handle that holds it; references change on the control side only. */
struct geo_source {
	MMDB_s mmdb;
	enum geo_layout layout;
	uint32_t refs;
};

/* One of the two databases of a handle. */
struct geo_slot {
	char *path;              /* NULL when not configured */
	struct geo_file_id id;   /* the file as it was when this slot was opened (or failed to) */
	struct geo_source *src;  /* NULL when not loaded */
	char info[PT_GEO_INFO_LEN];
};

struct geo_index;

/*
 * A handle never changes once published, but for its IPv4 index: a thread of its own builds it (once started,
 * by pt_geo_start_index() or a reload), and stores v4 (release) once, from NULL to the index. Until then, and
 * without an index, IPv4 lookups walk the trees.
 */
struct pt_geo_db {
	uint64_t generation;
	struct geo_slot slot[GEO_KINDS];
	struct geo_index *v4;               /* read with an acquire load */
	bool index_done;                    /* (release) index_info is final: built, not built, or nothing to build */
	bool index_cancel;                  /* the handle is being freed: the builder stops early */
	bool index_started;                 /* the build was started (on a thread or not) */
	bool index_thread;                  /* builder is running or not joined yet */
	pthread_t builder;
	char index_info[PT_GEO_INFO_LEN];   /* how the index was built, or why not */
};

/* Allocate an empty handle (generation 1, no slot configured). NULL when memory runs out. */
struct pt_geo_db *geo_db_alloc(void);

/* Identity of @p path, with err set when stat fails. */
void geo_file_stat(const char *path, struct geo_file_id *id);

/* Whether two identities denote the same, unchanged file (or the same failure). */
bool geo_file_same(const struct geo_file_id *a, const struct geo_file_id *b);

/*
 * Open @p path as the database of @p kind into an empty @p slot. The slot always gets its path, the file's
 * identity and a line in info, loaded or not.
 * Returns 0, or -errno (-ENOMEM, -ENOENT..., -EBADMSG, -ENODATA, -EAGAIN when the file changed while read).
 */
int geo_slot_open(struct geo_slot *slot, enum pt_geo_kind kind, const char *path);

/* Make @p dst hold the same database as @p src (one more reference). Returns 0 or -ENOMEM. */
int geo_slot_share(struct geo_slot *dst, const struct geo_slot *src);

/* Drop what a slot holds and empty it. */
void geo_slot_release(struct geo_slot *slot);

/* What the record at @p entry of @p src gives, added to @p res. Returns 1 found, 0 absent, -1 database error. */
int geo_fill(const struct geo_source *src, enum pt_geo_kind kind, MMDB_entry_s *entry, struct pt_geo_result *res);

/* pt_geo_db_lookup_prefix() by the search trees only, whatever index the handle has. */
int geo_db_lookup_trees(const struct pt_geo_db *db, uint8_t ip_version, const uint8_t addr[16],
			struct pt_geo_result *res, uint8_t *prefix_bits);

/* Start building the handle's IPv4 index on a thread of its own (on this one if no thread can be made). */
void geo_db_start_index(struct pt_geo_db *db);

/* The handle's index, or NULL (none yet, or none can be built). */
static inline const struct geo_index *geo_db_index(const struct pt_geo_db *db)
{
	return __atomic_load_n(&db->v4, __ATOMIC_ACQUIRE);
}

/*
 * Build the flat IPv4 index of both slots' databases into *@p out (NULL when neither is loaded), with one line
 * about it (or about why it was not built) in @p info. Stops with -ECANCELED soon after *@p cancel becomes true.
 * Returns 0, -ENOMEM, -E2BIG, -EBADMSG (a corrupt tree) or -ECANCELED.
 */
int geo_index_build(const struct geo_slot slot[GEO_KINDS], struct geo_index **out, char *info, size_t info_len,
		    const bool *cancel);

/* The answer of the index for an IPv4 address, as pt_geo_db_lookup_prefix() gives it. */
int geo_index_lookup(const struct geo_index *ix, const uint8_t addr4[4], struct pt_geo_result *res,
		     uint8_t *prefix_bits);

void geo_index_free(struct geo_index *ix);

#endif /* GEO_PRIV_H */
