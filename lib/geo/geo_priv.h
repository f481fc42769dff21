/* SPDX-License-Identifier: BSD-3-Clause */
/* geo_priv.h - Internals of lib/geo shared by its files: the handle, its two database slots, file identity. */
#ifndef GEO_PRIV_H
#define GEO_PRIV_H

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

struct pt_geo_db {
	uint64_t generation;
	struct geo_slot slot[GEO_KINDS];
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

#endif /* GEO_PRIV_H */
