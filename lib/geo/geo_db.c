/* SPDX-License-Identifier: BSD-3-Clause */
/* geo_db.c - Opening MaxMind DB files into immutable handles, detecting their layout, and uncached lookups. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "geo_priv.h"

/* How far the layout probe walks the search tree, looking for records that carry a known key. */
#define GEO_PROBE_MAX_NODES (1u << 16)
#define GEO_PROBE_MAX_RECORDS 64u
#define GEO_COPY_CHUNK (1u << 20)

static const char *const geo_kind_name[GEO_KINDS] = {"country", "ASN"};

/* Key paths per layout; a layout's first path is the one its detection tries. */
static const char *const path_country_geoip2[] = {"country", "iso_code", NULL};
static const char *const path_country_flat[] = {"country_code", NULL};
static const char *const path_asn_number[] = {"autonomous_system_number", NULL};
static const char *const path_asn_org[] = {"autonomous_system_organization", NULL};
static const char *const path_traits_number[] = {"traits", "autonomous_system_number", NULL};
static const char *const path_traits_org[] = {"traits", "autonomous_system_organization", NULL};

/* ---- file identity --------------------------------------------------------------------------------------- */

static void geo_file_id_from_stat(struct geo_file_id *id, const struct stat *st)
{
	memset(id, 0, sizeof(*id));
	id->dev = st->st_dev;
	id->ino = st->st_ino;
	id->size = st->st_size;
	id->mtim = st->st_mtim;
	id->ctim = st->st_ctim;
}

void geo_file_stat(const char *path, struct geo_file_id *id)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		memset(id, 0, sizeof(*id));
		id->err = errno ? errno : EIO;
		return;
	}
	geo_file_id_from_stat(id, &st);
}

bool geo_file_same(const struct geo_file_id *a, const struct geo_file_id *b)
{
	if (a->err || b->err)
		return a->err == b->err;
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size && a->mtim.tv_sec == b->mtim.tv_sec &&
	       a->mtim.tv_nsec == b->mtim.tv_nsec && a->ctim.tv_sec == b->ctim.tv_sec &&
	       a->ctim.tv_nsec == b->ctim.tv_nsec;
}

/* ---- loading a file into sealed private memory ------------------------------------------------------------ */

/*
 * Copy the open file @p fd (whose identity is @p before) into a sealed memfd, so that the mapping libmaxminddb
 * makes of it can never shrink under a reader. Returns the memfd, or -errno (-EAGAIN when the file changed
 * while it was read, -ENOSYS when memfds are not available).
 */
static int geo_copy_to_memfd(int fd, const struct geo_file_id *before)
{
	struct geo_file_id after;
	struct stat st;
	char *buf;
	off_t done = 0;
	int mfd, rc = 0;

	mfd = memfd_create("podtap-geo", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0)
		return -errno;
	buf = malloc(GEO_COPY_CHUNK);
	if (buf == NULL) {
		rc = -ENOMEM;
		goto close_mfd;
	}
	for (;;) {
		ssize_t n = pread(fd, buf, GEO_COPY_CHUNK, done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			goto free_buf;
		}
		if (n == 0)
			break;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(mfd, buf + off, (size_t)(n - off));
			if (w < 0) {
				if (errno == EINTR)
					continue;
				rc = -errno;
				goto free_buf;
			}
			off += w;
		}
		done += n;
	}
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		goto free_buf;
	}
	geo_file_id_from_stat(&after, &st);
	if (!geo_file_same(before, &after) || done != before->size) {
		rc = -EAGAIN;
		goto free_buf;
	}
	if (fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
		rc = -errno;
		goto free_buf;
	}
	free(buf);
	return mfd;

free_buf:
	free(buf);
close_mfd:
	close(mfd);
	return rc;
}

/* A negative errno for an MMDB_open() status. */
static int geo_mmdb_errno(int status)
{
	switch (status) {
	case MMDB_SUCCESS:
		return 0;
	case MMDB_FILE_OPEN_ERROR:
	case MMDB_IO_ERROR:
		return errno ? -errno : -EIO;
	case MMDB_OUT_OF_MEMORY_ERROR:
		return -ENOMEM;
	default:
		return -EBADMSG;
	}
}

/* MMDB_open() a private copy of the open file @p fd, or the file itself when memfds or /proc are missing. */
static int geo_mmdb_open(const char *path, int fd, const struct geo_file_id *id, MMDB_s *mmdb, int *mmdb_status)
{
	char proc_path[64];
	int mfd, status;

	mfd = geo_copy_to_memfd(fd, id);
	if (mfd == -EAGAIN || mfd == -ENOMEM || mfd == -EIO)
		return mfd;
	if (mfd >= 0) {
		snprintf(proc_path, sizeof(proc_path), "/proc/self/fd/%d", mfd);
		status = MMDB_open(proc_path, MMDB_MODE_MMAP, mmdb);
		close(mfd);
		if (status != MMDB_FILE_OPEN_ERROR && status != MMDB_IO_ERROR) {
			*mmdb_status = status;
			return geo_mmdb_errno(status);
		}
	}
	status = MMDB_open(path, MMDB_MODE_MMAP, mmdb);
	*mmdb_status = status;
	return geo_mmdb_errno(status);
}

/* ---- layout detection ---------------------------------------------------------------------------------- */

static bool geo_entry_has(MMDB_entry_s *entry, const char *const *path, uint32_t type_a, uint32_t type_b)
{
	MMDB_entry_data_s data;

	if (MMDB_aget_value(entry, &data, path) != MMDB_SUCCESS || !data.has_data)
		return false;
	return data.type == type_a || data.type == type_b;
}

static enum geo_layout geo_layout_of_entry(MMDB_entry_s *entry, enum pt_geo_kind kind)
{
	if (kind == PT_GEO_COUNTRY) {
		if (geo_entry_has(entry, path_country_geoip2, MMDB_DATA_TYPE_UTF8_STRING, MMDB_DATA_TYPE_UTF8_STRING))
			return GEO_LAYOUT_COUNTRY_GEOIP2;
		if (geo_entry_has(entry, path_country_flat, MMDB_DATA_TYPE_UTF8_STRING, MMDB_DATA_TYPE_UTF8_STRING))
			return GEO_LAYOUT_COUNTRY_FLAT;
		return GEO_LAYOUT_NONE;
	}
	if (geo_entry_has(entry, path_asn_number, MMDB_DATA_TYPE_UINT32, MMDB_DATA_TYPE_UINT16) ||
	    geo_entry_has(entry, path_asn_number, MMDB_DATA_TYPE_UINT64, MMDB_DATA_TYPE_INT32))
		return GEO_LAYOUT_ASN;
	if (geo_entry_has(entry, path_traits_number, MMDB_DATA_TYPE_UINT32, MMDB_DATA_TYPE_UINT16) ||
	    geo_entry_has(entry, path_traits_number, MMDB_DATA_TYPE_UINT64, MMDB_DATA_TYPE_INT32))
		return GEO_LAYOUT_ASN_TRAITS;
	return GEO_LAYOUT_NONE;
}

/*
 * Walk the search tree depth first and try the key paths of @p kind on the first data records met (a few
 * dozen at most), so the layout comes from what the file holds rather than from its name.
 */
static enum geo_layout geo_probe_layout(const MMDB_s *mmdb, enum pt_geo_kind kind)
{
	uint32_t stack[2 * 129];
	uint32_t depth = 0, nodes = 0, records = 0;

	if (mmdb->metadata.node_count == 0)
		return GEO_LAYOUT_NONE;
	stack[depth++] = 0;
	while (depth > 0 && nodes < GEO_PROBE_MAX_NODES && records < GEO_PROBE_MAX_RECORDS) {
		MMDB_search_node_s node;
		uint32_t n = stack[--depth];

		nodes++;
		if (MMDB_read_node(mmdb, n, &node) != MMDB_SUCCESS)
			continue;
		/* Right first on the stack, so the left child is visited first. */
		const uint8_t types[2] = {node.right_record_type, node.left_record_type};
		const uint64_t recs[2] = {node.right_record, node.left_record};
		MMDB_entry_s entries[2] = {node.right_record_entry, node.left_record_entry};
		for (int side = 0; side < 2; side++) {
			if (types[side] == MMDB_RECORD_TYPE_SEARCH_NODE) {
				if (depth < sizeof(stack) / sizeof(stack[0]))
					stack[depth++] = (uint32_t)recs[side];
			}
		}
		for (int side = 1; side >= 0; side--) {
			if (types[side] != MMDB_RECORD_TYPE_DATA)
				continue;
			enum geo_layout layout = geo_layout_of_entry(&entries[side], kind);
			if (layout != GEO_LAYOUT_NONE)
				return layout;
			records++;
		}
	}
	return GEO_LAYOUT_NONE;
}

/* ---- slots and handles -------------------------------------------------------------------------------------- */

static void geo_source_put(struct geo_source *src)
{
	if (src == NULL || --src->refs > 0)
		return;
	MMDB_close(&src->mmdb);
	free(src);
}

/* The reason a file could not be opened, in words. */
static const char *geo_mmdb_reason(int rc, int mmdb_status, char *buf, size_t len)
{
	if (mmdb_status == MMDB_INVALID_METADATA_ERROR)
		return "not a MaxMind DB file, or truncated (no valid metadata at its end)";
	if (mmdb_status == MMDB_UNKNOWN_DATABASE_FORMAT_ERROR)
		return "unsupported MaxMind DB format version";
	if (mmdb_status != MMDB_SUCCESS && rc == -EBADMSG) {
		snprintf(buf, len, "not a valid MaxMind DB file (%s)", MMDB_strerror(mmdb_status));
		return buf;
	}
	if (rc == -EAGAIN)
		return "the file changed while it was read; trying again when it settles";
	return strerror(-rc);
}

int geo_slot_open(struct geo_slot *slot, enum pt_geo_kind kind, const char *path)
{
	struct geo_source *src = NULL;
	struct stat st;
	int fd, rc, mmdb_status = MMDB_SUCCESS;
	const char *why = NULL;
	char why_buf[160];

	memset(slot, 0, sizeof(*slot));
	if (path == NULL || path[0] == '\0')
		return 0;
	slot->path = strdup(path);
	if (slot->path == NULL)
		return -ENOMEM;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		why = strerror(errno);
		/* The identity a later stat() will compare with: the file's, when only reading it is refused. */
		geo_file_stat(path, &slot->id);
		goto fail;
	}
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		slot->id.err = errno;
		why = strerror(errno);
		goto close_fd;
	}
	geo_file_id_from_stat(&slot->id, &st);
	if (!S_ISREG(st.st_mode)) {
		rc = -EINVAL;
		why = "not a regular file";
		goto close_fd;
	}
	if (st.st_size == 0) {
		rc = -EBADMSG;
		why = "empty file";
		goto close_fd;
	}
	src = calloc(1, sizeof(*src));
	if (src == NULL) {
		rc = -ENOMEM;
		why = strerror(ENOMEM);
		goto close_fd;
	}
	src->refs = 1;
	rc = geo_mmdb_open(path, fd, &slot->id, &src->mmdb, &mmdb_status);
	if (rc != 0) {
		why = geo_mmdb_reason(rc, mmdb_status, why_buf, sizeof(why_buf));
		free(src);
		src = NULL;
		goto close_fd;
	}
	close(fd);

	src->layout = geo_probe_layout(&src->mmdb, kind);
	if (src->layout == GEO_LAYOUT_NONE) {
		snprintf(slot->info, sizeof(slot->info), "%s database %s: no %s data found (database_type \"%s\")",
			 geo_kind_name[kind], path, kind == PT_GEO_COUNTRY ? "country_code or country.iso_code" :
			 "autonomous_system_number", src->mmdb.metadata.database_type ? src->mmdb.metadata.database_type : "");
		geo_source_put(src);
		return -ENODATA;
	}

	char built[16] = "?";
	time_t epoch = (time_t)src->mmdb.metadata.build_epoch;
	struct tm tm;
	if (gmtime_r(&epoch, &tm) != NULL)
		strftime(built, sizeof(built), "%Y-%m-%d", &tm);
	snprintf(slot->info, sizeof(slot->info), "%s database %s: %s, built %s, IPv%u, %u nodes", geo_kind_name[kind],
		 path, src->mmdb.metadata.database_type ? src->mmdb.metadata.database_type : "(no type)", built,
		 (unsigned)src->mmdb.metadata.ip_version, (unsigned)src->mmdb.metadata.node_count);
	slot->src = src;
	return 0;

close_fd:
	close(fd);
fail:
	snprintf(slot->info, sizeof(slot->info), "%s database %s: %s", geo_kind_name[kind], path, why);
	return rc;
}

int geo_slot_share(struct geo_slot *dst, const struct geo_slot *src)
{
	*dst = *src;
	dst->path = NULL;
	if (src->path != NULL) {
		dst->path = strdup(src->path);
		if (dst->path == NULL) {
			dst->src = NULL;
			return -ENOMEM;
		}
	}
	if (dst->src != NULL)
		dst->src->refs++;
	return 0;
}

void geo_slot_release(struct geo_slot *slot)
{
	geo_source_put(slot->src);
	free(slot->path);
	memset(slot, 0, sizeof(*slot));
}

struct pt_geo_db *geo_db_alloc(void)
{
	struct pt_geo_db *db = calloc(1, sizeof(*db));

	if (db != NULL)
		db->generation = 1;
	return db;
}

struct pt_geo_db *pt_geo_db_open(const char *country_path, const char *asn_path)
{
	const char *paths[GEO_KINDS] = {country_path, asn_path};
	struct pt_geo_db *db = geo_db_alloc();

	if (db == NULL)
		return NULL;
	for (int k = 0; k < GEO_KINDS; k++) {
		if (geo_slot_open(&db->slot[k], (enum pt_geo_kind)k, paths[k]) == -ENOMEM) {
			pt_geo_db_free(db);
			return NULL;
		}
	}
	return db;
}

static void *geo_db_index_thread(void *arg)
{
	struct pt_geo_db *db = arg;
	struct geo_index *ix = NULL;

	geo_index_build(db->slot, &ix, db->index_info, sizeof(db->index_info), &db->index_cancel);
	__atomic_store_n(&db->v4, ix, __ATOMIC_RELEASE);
	__atomic_store_n(&db->index_done, true, __ATOMIC_RELEASE);
	return NULL;
}

/* Start the build once: on a thread when @p threaded (and one can be made), else on this one. */
static void geo_db_build_once(struct pt_geo_db *db, bool threaded)
{
	if (db->index_started)
		return;
	db->index_started = true;
	if (db->slot[PT_GEO_COUNTRY].src == NULL && db->slot[PT_GEO_ASN].src == NULL) {
		db->index_done = true;   /* nothing to index, nothing to say */
		return;
	}
	if (threaded && pthread_create(&db->builder, NULL, geo_db_index_thread, db) == 0) {
		db->index_thread = true;
		pthread_setname_np(db->builder, "podtap-geoindex");
		return;
	}
	geo_db_index_thread(db);
}

void geo_db_start_index(struct pt_geo_db *db)
{
	geo_db_build_once(db, true);
}

void pt_geo_db_start_index(struct pt_geo_db *db)
{
	if (db != NULL)
		geo_db_build_once(db, true);
}

void pt_geo_db_wait_index(struct pt_geo_db *db)
{
	if (db == NULL)
		return;
	geo_db_build_once(db, false);
	if (db->index_thread) {
		pthread_join(db->builder, NULL);
		db->index_thread = false;
	}
}

void pt_geo_db_free(struct pt_geo_db *db)
{
	if (db == NULL)
		return;
	__atomic_store_n(&db->index_cancel, true, __ATOMIC_RELAXED);
	if (db->index_thread)
		pthread_join(db->builder, NULL);
	for (int k = 0; k < GEO_KINDS; k++)
		geo_slot_release(&db->slot[k]);
	geo_index_free(db->v4);
	free(db);
}

bool pt_geo_db_loaded(const struct pt_geo_db *db, enum pt_geo_kind kind)
{
	return db != NULL && (unsigned)kind < GEO_KINDS && db->slot[kind].src != NULL;
}

const char *pt_geo_db_describe(const struct pt_geo_db *db, enum pt_geo_kind kind)
{
	if (db == NULL || (unsigned)kind >= GEO_KINDS || db->slot[kind].path == NULL)
		return NULL;
	return db->slot[kind].info;
}

const char *pt_geo_db_describe_index(const struct pt_geo_db *db)
{
	if (db == NULL || !__atomic_load_n(&db->index_done, __ATOMIC_ACQUIRE) || db->index_info[0] == '\0')
		return NULL;
	return db->index_info;
}

bool pt_geo_db_index_pending(const struct pt_geo_db *db)
{
	if (db == NULL || (db->slot[PT_GEO_COUNTRY].src == NULL && db->slot[PT_GEO_ASN].src == NULL))
		return false;   /* nothing to build */
	return !__atomic_load_n(&db->index_done, __ATOMIC_ACQUIRE);
}

bool pt_geo_db_indexed(const struct pt_geo_db *db)
{
	return db != NULL && geo_db_index(db) != NULL;
}

uint64_t pt_geo_db_generation(const struct pt_geo_db *db)
{
	return db != NULL ? db->generation : 0;
}

/* ---- lookups ------------------------------------------------------------------------------------------------ */

/* ::ffff:0:0/96, where IPv4 addresses are written as IPv6 ones. */
static const uint8_t geo_v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* Copy at most @p cap - 1 bytes of a UTF-8 string, cut at a character boundary and at any NUL. */
static size_t geo_copy_utf8(char *dst, size_t cap, const char *src, size_t len)
{
	size_t n = 0;

	while (n < len && src[n] != '\0')
		n++;
	if (n > cap - 1) {
		n = cap - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
	return n;
}

/* Fetch @p path; returns 1 when found, 0 when absent, -1 on a database error. */
static int geo_get(MMDB_entry_s *entry, const char *const *path, MMDB_entry_data_s *data)
{
	int status = MMDB_aget_value(entry, data, path);

	if (status == MMDB_SUCCESS)
		return data->has_data ? 1 : 0;
	if (status == MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR || status == MMDB_INVALID_LOOKUP_PATH_ERROR)
		return 0;
	return -1;
}

static int geo_fill_country(MMDB_entry_s *entry, enum geo_layout layout, struct pt_geo_result *res)
{
	MMDB_entry_data_s data;
	int rc = geo_get(entry, layout == GEO_LAYOUT_COUNTRY_GEOIP2 ? path_country_geoip2 : path_country_flat, &data);

	if (rc <= 0)
		return rc;
	if (data.type != MMDB_DATA_TYPE_UTF8_STRING || data.data_size != 2)
		return 0;
	char a = data.utf8_string[0], b = data.utf8_string[1];
	if (a >= 'a' && a <= 'z')
		a = (char)(a - 'a' + 'A');
	if (b >= 'a' && b <= 'z')
		b = (char)(b - 'a' + 'A');
	if (a < 'A' || a > 'Z' || b < 'A' || b > 'Z')
		return 0;
	res->country_iso_code[0] = a;
	res->country_iso_code[1] = b;
	res->country_iso_code[2] = '\0';
	res->flags |= PT_GEO_F_COUNTRY;
	return 1;
}

static int geo_fill_asn(MMDB_entry_s *entry, enum geo_layout layout, struct pt_geo_result *res)
{
	MMDB_entry_data_s data;
	uint64_t number = 0;
	int rc, err = 0;

	rc = geo_get(entry, layout == GEO_LAYOUT_ASN ? path_asn_number : path_traits_number, &data);
	if (rc < 0)
		return rc;
	if (rc > 0) {
		switch (data.type) {
		case MMDB_DATA_TYPE_UINT16: number = data.uint16; break;
		case MMDB_DATA_TYPE_UINT32: number = data.uint32; break;
		case MMDB_DATA_TYPE_UINT64: number = data.uint64; break;
		case MMDB_DATA_TYPE_INT32: number = data.int32 > 0 ? (uint64_t)data.int32 : 0; break;
		default: break;
		}
		if (number > 0 && number <= UINT32_MAX) {
			res->as_number = (uint32_t)number;
			res->flags |= PT_GEO_F_AS_NUMBER;
		}
	}
	rc = geo_get(entry, layout == GEO_LAYOUT_ASN ? path_asn_org : path_traits_org, &data);
	if (rc < 0)
		err = rc;
	else if (rc > 0 && data.type == MMDB_DATA_TYPE_UTF8_STRING &&
		 geo_copy_utf8(res->as_organization, sizeof(res->as_organization), data.utf8_string, data.data_size) > 0)
		res->flags |= PT_GEO_F_AS_ORG;
	if (res->flags & (PT_GEO_F_AS_NUMBER | PT_GEO_F_AS_ORG))
		return 1;
	return err;
}

int geo_fill(const struct geo_source *src, enum pt_geo_kind kind, MMDB_entry_s *entry, struct pt_geo_result *res)
{
	return kind == PT_GEO_COUNTRY ? geo_fill_country(entry, src->layout, res) : geo_fill_asn(entry, src->layout, res);
}

/*
 * The netmask libmaxminddb reports is in bits of the tree: an IPv4 address in an IPv6 database sits under
 * ::/96, so 96 of them are the IPv4 subtree's place. Keep the most specific network of the databases asked.
 */
static void geo_note_prefix(const MMDB_s *mmdb, uint8_t ip_version, uint16_t netmask, uint8_t *prefix_bits)
{
	int bits = netmask;

	if (ip_version == 4 && mmdb->metadata.ip_version == 6)
		bits -= 96;
	if (bits < 0)
		bits = 0;
	if (bits > (ip_version == 4 ? 32 : 128))
		bits = ip_version == 4 ? 32 : 128;
	if (bits > *prefix_bits)
		*prefix_bits = (uint8_t)bits;
}

int pt_geo_db_lookup(const struct pt_geo_db *db, uint8_t ip_version, const uint8_t addr[16],
		     struct pt_geo_result *res)
{
	uint8_t bits;

	return pt_geo_db_lookup_prefix(db, ip_version, addr, res, &bits);
}

int pt_geo_db_lookup_prefix(const struct pt_geo_db *db, uint8_t ip_version, const uint8_t addr[16],
			    struct pt_geo_result *res, uint8_t *prefix_bits)
{
	const struct geo_index *ix = db != NULL ? geo_db_index(db) : NULL;

	if (ix != NULL && res != NULL && prefix_bits != NULL && addr != NULL) {
		if (ip_version == 4)
			return geo_index_lookup(ix, addr, res, prefix_bits);
		if (ip_version == 6 && memcmp(addr, geo_v4_mapped, sizeof(geo_v4_mapped)) == 0)
			return geo_index_lookup(ix, addr + 12, res, prefix_bits);
	}
	return geo_db_lookup_trees(db, ip_version, addr, res, prefix_bits);
}

int geo_db_lookup_trees(const struct pt_geo_db *db, uint8_t ip_version, const uint8_t addr[16],
			struct pt_geo_result *res, uint8_t *prefix_bits)
{
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} sa;
	bool error = false;

	if (prefix_bits == NULL)
		return -EINVAL;
	*prefix_bits = 128;

	if (res == NULL)
		return -EINVAL;
	res->flags = 0;
	res->as_number = 0;
	res->country_iso_code[0] = '\0';
	res->as_organization[0] = '\0';
	if (db == NULL || addr == NULL || (ip_version != 4 && ip_version != 6))
		return -EINVAL;

	memset(&sa, 0, sizeof(sa));
	if (ip_version == 6 && memcmp(addr, geo_v4_mapped, sizeof(geo_v4_mapped)) == 0) {
		addr += 12;
		ip_version = 4;
	}
	*prefix_bits = 0;
	if (ip_version == 4) {
		sa.in.sin_family = AF_INET;
		memcpy(&sa.in.sin_addr, addr, 4);
	} else {
		sa.in6.sin6_family = AF_INET6;
		memcpy(&sa.in6.sin6_addr, addr, 16);
	}

	for (int k = 0; k < GEO_KINDS; k++) {
		const struct geo_source *src = db->slot[k].src;
		MMDB_lookup_result_s found;
		int status = MMDB_SUCCESS, rc;

		if (src == NULL)
			continue;
		found = MMDB_lookup_sockaddr(&src->mmdb, &sa.sa, &status);
		if (status != MMDB_SUCCESS) {
			if (status != MMDB_IPV6_LOOKUP_IN_IPV4_DATABASE_ERROR)
				error = true;
			continue;
		}
		geo_note_prefix(&src->mmdb, ip_version, found.netmask, prefix_bits);
		if (!found.found_entry)
			continue;
		rc = geo_fill(src, (enum pt_geo_kind)k, &found.entry, res);
		if (rc < 0)
			error = true;
	}
	if (error)
		*prefix_bits = ip_version == 4 ? 32 : 128;  /* an error is not a property of the network */
	if (res->flags != 0)
		return 0;
	return error ? -EIO : -ENOENT;
}
