/* SPDX-License-Identifier: BSD-3-Clause */
/* geo_test.h - Helpers for the lib/geo tests: a scratch folder, mmdb files written by the Perl writer, addresses. */
#ifndef GEO_TEST_H
#define GEO_TEST_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "pt_geo.h"

#ifndef GEO_TEST_WRITER
#error "GEO_TEST_WRITER must name tests/unit/geo/write-test-mmdb"
#endif

/* The scratch folder of one test program, removed at the end. */
struct geo_test_dir {
	char path[64];
};

static inline int geo_test_dir_make(struct geo_test_dir *dir)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir->path, sizeof(dir->path), "%s/podtap-geo-XXXXXX", tmp && strlen(tmp) < 32 ? tmp : "/tmp");
	return mkdtemp(dir->path) != NULL ? 0 : -errno;
}

static inline void geo_test_dir_remove(struct geo_test_dir *dir)
{
	char cmd[128];

	if (dir->path[0] == '\0' || strstr(dir->path, "podtap-geo-") == NULL)
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir->path);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir->path);
}

/* dir/name into @p out. */
static inline const char *geo_test_path(const struct geo_test_dir *dir, const char *name, char out[160])
{
	snprintf(out, 160, "%s/%s", dir->path, name);
	return out;
}

/*
 * Run the Perl writer on a spec (see write-test-mmdb); "%D" in the spec stands for the scratch folder.
 * Returns 0, or -1 with a message on stderr when the writer is missing or fails.
 */
static inline int geo_test_write(const struct geo_test_dir *dir, const char *spec)
{
	FILE *p = popen("perl '" GEO_TEST_WRITER "'", "w");
	int status;

	if (p == NULL)
		return -1;
	for (const char *s = spec; *s; s++) {
		if (s[0] == '%' && s[1] == 'D') {
			fputs(dir->path, p);
			s++;
		} else {
			fputc(*s, p);
		}
	}
	status = pclose(p);
	if (status != 0) {
		fprintf(stderr, "# write-test-mmdb failed (status %d): is libmaxmind-db-writer-perl installed? "
				"scripts/setup-geoip installs it\n", status);
		return -1;
	}
	return 0;
}

/* Copy a file, byte for byte. */
static inline int geo_test_copy(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY), out;
	ssize_t n;

	if (in < 0)
		return -1;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0) {
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		if (write(out, buf, (size_t)n) != n) {
			n = -1;
			break;
		}
	}
	close(in);
	close(out);
	return n == 0 ? 0 : -1;
}

/*
 * Replace @p path the way an updater does: copy @p from next to it, give it mtime @p mtime_sec (so that two
 * copies made within one clock tick still differ), and rename it over @p path.
 */
static inline int geo_test_replace(const char *from, const char *path, time_t mtime_sec)
{
	char tmp[200];
	struct timespec times[2] = {{mtime_sec, 0}, {mtime_sec, 0}};

	snprintf(tmp, sizeof(tmp), "%s.new", path);
	if (geo_test_copy(from, tmp) != 0)
		return -1;
	if (utimensat(AT_FDCWD, tmp, times, 0) != 0)
		return -1;
	return rename(tmp, path);
}

/* Write @p len bytes of @p data to @p path (truncating it). */
static inline int geo_test_write_bytes(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, data, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

/* An address in podtap's 16-byte form from text; the version is returned through @p version. */
static inline void geo_test_addr(const char *text, uint8_t addr[16], uint8_t *version)
{
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, text, addr) == 1) {
		*version = 4;
		return;
	}
	assert_int_equal(inet_pton(AF_INET6, text, addr), 1);
	*version = 6;
}

/* Uncached lookup of a text address. */
static inline int geo_test_lookup(const struct pt_geo_db *db, const char *text, struct pt_geo_result *res)
{
	uint8_t addr[16], version;

	geo_test_addr(text, addr, &version);
	return pt_geo_db_lookup(db, version, addr, res);
}

/* Cached lookup of a text address. */
static inline int geo_test_cached(struct pt_geo_cache *cache, const struct pt_geo_db *db, const char *text,
				  struct pt_geo_result *res)
{
	uint8_t addr[16], version;

	geo_test_addr(text, addr, &version);
	return pt_geo_cache_lookup(cache, db, version, addr, res);
}

#endif /* GEO_TEST_H */
