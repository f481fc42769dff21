/* SPDX-License-Identifier: BSD-3-Clause */
/* spool.c - The alerts' durable outbox: an append-only, fsync'd, crash-safe file of alerts not yet delivered. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alert_priv.h"

#define SPOOL_MAGIC 0x50544131u          /* "PTA1": one record */
#define SPOOL_ACK_MAGIC 0x5054414bu      /* "PTAK": one acknowledgement slot */
#define SPOOL_LOG "spool.log"
#define SPOOL_ACK "spool.ack"
#define SPOOL_PATH_MAX 4096

/* On disk, before each alert's JSON. crc covers everything after it, the JSON included. */
struct spool_header {
	uint32_t magic;
	uint32_t len;
	uint32_t crc;
	uint8_t severity;
	uint8_t pad[3];
	uint64_t seq;
};

/* Two of these alternate in spool.ack, so that a torn write leaves the other one valid. */
struct spool_ack_slot {
	uint64_t seq;
	uint32_t crc;
	uint32_t magic;
};

/* One alert not yet acknowledged, in the order it was appended. */
struct spool_entry {
	uint64_t seq;
	uint64_t offset;              /* of its header in spool.log */
	uint32_t len;                 /* of its JSON */
	uint8_t severity;
};

struct pt_alert_spool {
	char dir[SPOOL_PATH_MAX];
	int log_fd;
	int ack_fd;
	uint64_t max_bytes;
	uint64_t log_size;
	uint64_t next_seq;
	uint64_t acked;                /* the highest sequence delivered */
	uint32_t ack_writes;
	bool dirty;                    /* appended since the last sync */
	struct spool_entry *entry;     /* pending, oldest first */
	uint32_t n_entries;
	uint32_t cap_entries;
	uint64_t pending_bytes;        /* on disk, headers included */
	int drop_floor;                /* the most severe alert dropped since the spool drained; -1 = none */
	struct pt_alert_spool_stats stats;
};

static uint32_t spool_crc_table[256];

static void spool_crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
		spool_crc_table[i] = c;
	}
}

/* CRC-32 (IEEE), continued from @p crc (0 to start). */
static uint32_t spool_crc(uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;

	if (spool_crc_table[1] == 0)
		spool_crc_init();
	crc = ~crc;
	while (len--)
		crc = spool_crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static uint32_t spool_record_crc(const struct spool_header *h, const char *json)
{
	uint32_t crc = spool_crc(0, &h->severity, sizeof(*h) - offsetof(struct spool_header, severity));

	return spool_crc(crc, json, h->len);
}

static uint32_t spool_ack_crc(const struct spool_ack_slot *a)
{
	return spool_crc(0, &a->seq, sizeof(a->seq));
}

static int spool_path(const struct pt_alert_spool *sp, const char *name, char *path)
{
	return snprintf(path, SPOOL_PATH_MAX, "%s/%s", sp->dir, name) < SPOOL_PATH_MAX ? 0 : -ENAMETOOLONG;
}

static int spool_fsync_dir(const struct pt_alert_spool *sp)
{
	int fd = open(sp->dir, O_RDONLY | O_DIRECTORY);
	int rc;

	if (fd < 0)
		return -errno;
	rc = fsync(fd) == 0 ? 0 : -errno;
	close(fd);
	return rc;
}

static int spool_write_all(int fd, const void *buf, size_t len, uint64_t offset)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = pwrite(fd, p, len, (off_t)offset);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= (size_t)n;
		offset += (uint64_t)n;
	}
	return 0;
}

static int spool_read_all(int fd, void *buf, size_t len, uint64_t offset)
{
	char *p = buf;

	while (len > 0) {
		ssize_t n = pread(fd, p, len, (off_t)offset);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -ENODATA;
		p += n;
		len -= (size_t)n;
		offset += (uint64_t)n;
	}
	return 0;
}

static int spool_entries_reserve(struct pt_alert_spool *sp)
{
	struct spool_entry *grown;
	uint32_t cap;

	if (sp->n_entries < sp->cap_entries)
		return 0;
	cap = sp->cap_entries ? sp->cap_entries * 2 : 256;
	grown = realloc(sp->entry, (size_t)cap * sizeof(*grown));
	if (grown == NULL)
		return -ENOMEM;
	sp->entry = grown;
	sp->cap_entries = cap;
	return 0;
}

static uint64_t spool_record_size(uint32_t len)
{
	return sizeof(struct spool_header) + len;
}

/*
 * The newest valid acknowledgement, 0 when there is none. The next write goes to the other slot, so that a
 * torn write never destroys the acknowledgement it replaces.
 */
static uint64_t spool_read_ack(struct pt_alert_spool *sp)
{
	struct spool_ack_slot slot[2];
	uint64_t best = 0;

	memset(slot, 0, sizeof(slot));
	if (pread(sp->ack_fd, slot, sizeof(slot), 0) < 0)
		return 0;
	for (int i = 0; i < 2; i++) {
		if (slot[i].magic == SPOOL_ACK_MAGIC && slot[i].crc == spool_ack_crc(&slot[i]) && slot[i].seq > best) {
			best = slot[i].seq;
			sp->ack_writes = (uint32_t)i + 1;
		}
	}
	return best;
}

static int spool_write_ack(struct pt_alert_spool *sp, uint64_t seq)
{
	struct spool_ack_slot a = { .seq = seq, .magic = SPOOL_ACK_MAGIC };
	int rc;

	a.crc = spool_ack_crc(&a);
	rc = spool_write_all(sp->ack_fd, &a, sizeof(a), (uint64_t)(sp->ack_writes % 2) * sizeof(a));
	if (rc == 0)
		rc = fdatasync(sp->ack_fd) == 0 ? 0 : -errno;
	if (rc != 0) {
		sp->stats.errors++;
		return rc;
	}
	sp->ack_writes++;
	sp->stats.fsyncs++;
	return 0;
}

/* Read spool.log: keep the records after the acknowledgement, cut a torn or corrupt tail. */
static int spool_recover(struct pt_alert_spool *sp)
{
	struct stat st;
	uint64_t off = 0;
	char *json = NULL;
	size_t json_cap = 0;
	int rc = 0;

	if (fstat(sp->log_fd, &st) != 0)
		return -errno;
	while (off + sizeof(struct spool_header) <= (uint64_t)st.st_size) {
		struct spool_header h;

		if (spool_read_all(sp->log_fd, &h, sizeof(h), off) != 0 || h.magic != SPOOL_MAGIC ||
		    h.len > PT_ALERT_JSON_MAX || off + spool_record_size(h.len) > (uint64_t)st.st_size)
			break;
		if (h.len > json_cap) {
			char *grown = realloc(json, h.len);

			if (grown == NULL) {
				rc = -ENOMEM;
				goto done;
			}
			json = grown;
			json_cap = h.len;
		}
		if (spool_read_all(sp->log_fd, json, h.len, off + sizeof(h)) != 0 || h.crc != spool_record_crc(&h, json))
			break;
		if (h.seq > sp->acked) {
			if ((rc = spool_entries_reserve(sp)) != 0)
				goto done;
			sp->entry[sp->n_entries++] = (struct spool_entry){ .seq = h.seq, .offset = off, .len = h.len,
									   .severity = h.severity };
			sp->pending_bytes += spool_record_size(h.len);
			sp->stats.recovered++;
		}
		if (h.seq >= sp->next_seq)
			sp->next_seq = h.seq + 1;
		off += spool_record_size(h.len);
	}
	if (off < (uint64_t)st.st_size) {
		sp->stats.truncated_bytes += (uint64_t)st.st_size - off;
		if (ftruncate(sp->log_fd, (off_t)off) != 0 || fdatasync(sp->log_fd) != 0) {
			rc = -errno;
			goto done;
		}
	}
	sp->log_size = off;
done:
	free(json);
	return rc;
}

struct pt_alert_spool *pt_alert_spool_open(const char *dir, uint64_t max_bytes, char *err, size_t err_len)
{
	struct pt_alert_spool *sp;
	char path[SPOOL_PATH_MAX];
	int rc;

	if (dir == NULL || dir[0] == '\0' || strlen(dir) >= SPOOL_PATH_MAX - 16) {
		snprintf(err, err_len, "alerts.spool_dir is empty or too long");
		return NULL;
	}
	if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
		snprintf(err, err_len, "cannot create spool directory %s: %s", dir, strerror(errno));
		return NULL;
	}
	sp = calloc(1, sizeof(*sp));
	if (sp == NULL) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	snprintf(sp->dir, sizeof(sp->dir), "%s", dir);
	sp->max_bytes = max_bytes;
	sp->drop_floor = -1;
	sp->log_fd = sp->ack_fd = -1;
	if (spool_path(sp, SPOOL_LOG, path) != 0 || (sp->log_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640)) < 0 ||
	    spool_path(sp, SPOOL_ACK, path) != 0 || (sp->ack_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640)) < 0) {
		snprintf(err, err_len, "cannot open %s: %s", path, strerror(errno));
		goto close_spool;
	}
	if (flock(sp->ack_fd, LOCK_EX | LOCK_NB) != 0) {
		snprintf(err, err_len, "spool %s is in use by another podtap (each process needs its own alerts.spool_dir)",
			 dir);
		goto close_spool;
	}
	if (spool_fsync_dir(sp) != 0) {
		snprintf(err, err_len, "cannot sync spool directory %s: %s", dir, strerror(errno));
		goto close_spool;
	}
	sp->acked = spool_read_ack(sp);
	sp->next_seq = sp->acked + 1;
	rc = spool_recover(sp);
	if (rc != 0) {
		snprintf(err, err_len, "cannot read %s/%s: %s", dir, SPOOL_LOG, strerror(-rc));
		goto close_spool;
	}
	return sp;

close_spool:
	pt_alert_spool_close(sp);
	return NULL;
}

void pt_alert_spool_close(struct pt_alert_spool *sp)
{
	if (sp == NULL)
		return;
	if (sp->log_fd >= 0)
		close(sp->log_fd);
	if (sp->ack_fd >= 0)
		close(sp->ack_fd);
	free(sp->entry);
	free(sp);
}

/*
 * Rewrite spool.log with only the pending entries that @p keep marks (all when NULL): into spool.log.new,
 * synced, renamed over the old one, and the directory synced, so that a crash leaves one or the other whole.
 */
static int spool_rewrite(struct pt_alert_spool *sp, const bool *keep)
{
	char path[SPOOL_PATH_MAX], tmp[SPOOL_PATH_MAX];
	uint64_t off = 0, bytes = 0;
	uint32_t kept = 0;
	struct spool_entry *index;                   /* the new one: the old stays valid until the rename */
	char *buf = NULL;
	int fd, rc = 0;

	if (spool_path(sp, SPOOL_LOG, path) != 0 || spool_path(sp, SPOOL_LOG ".new", tmp) != 0)
		return -ENAMETOOLONG;
	index = malloc((size_t)(sp->cap_entries ? sp->cap_entries : 1) * sizeof(*index));
	if (index == NULL)
		return -ENOMEM;
	fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0) {
		free(index);
		return -EIO;
	}
	buf = malloc(spool_record_size(PT_ALERT_JSON_MAX));
	if (buf == NULL) {
		rc = -ENOMEM;
		goto close_tmp;
	}
	for (uint32_t i = 0; i < sp->n_entries; i++) {
		struct spool_entry *e = &sp->entry[i];
		uint64_t size = spool_record_size(e->len);

		if (keep != NULL && !keep[i])
			continue;
		if (spool_read_all(sp->log_fd, buf, size, e->offset) != 0 || spool_write_all(fd, buf, size, off) != 0) {
			rc = -EIO;
			goto close_tmp;
		}
		index[kept] = *e;
		index[kept].offset = off;
		kept++;
		off += size;
		bytes += size;
	}
	if (fdatasync(fd) != 0 || rename(tmp, path) != 0) {
		rc = -EIO;
		goto close_tmp;
	}
	close(sp->log_fd);
	free(sp->entry);
	sp->entry = index;
	sp->log_fd = fd;
	sp->log_size = off;
	sp->n_entries = kept;
	sp->pending_bytes = bytes;
	sp->stats.rewrites++;
	free(buf);
	return spool_fsync_dir(sp);

close_tmp:
	close(fd);
	unlink(tmp);
	free(buf);
	free(index);
	sp->stats.errors++;
	return rc;
}

/* An alert of severity @p severity was dropped: until the spool drains, nothing at or below it is taken. */
static void spool_raise_floor(struct pt_alert_spool *sp, uint8_t severity)
{
	if (sp->drop_floor < (int)severity)
		sp->drop_floor = severity;
}

/*
 * Make room for an alert of @p need bytes and severity @p severity under max_bytes. Dropped first: the lowest
 * severity, and the newest among equals (the start of an incident is kept). When dropping every pending alert
 * of lower severity would still not make room, the new alert goes too (-ENOSPC), with those lower ones: no
 * alert is kept while a more severe one was dropped. Otherwise lower-severity alerts go until the spool is at
 * 3/4 of its cap (when they suffice), so that the rewrite does not repeat at every append.
 */
static int spool_make_room(struct pt_alert_spool *sp, uint64_t need, uint8_t severity)
{
	uint64_t lower = 0, have = sp->pending_bytes, goal = sp->max_bytes / 4 * 3;
	uint32_t dropped = 0;
	int severity_dropped = 0;
	bool fits, *keep;
	int rc = 0;

	for (uint32_t i = 0; i < sp->n_entries; i++)
		if (sp->entry[i].severity < severity)
			lower += spool_record_size(sp->entry[i].len);
	if (need > sp->max_bytes)
		return -ENOSPC;                      /* bigger than the whole spool: its size, not its severity */
	fits = have - lower + need <= sp->max_bytes;
	if (goal < need)
		goal = sp->max_bytes;
	if (!fits)
		goal = 0;                            /* every lower one goes */
	if (lower > 0) {
		keep = malloc(sp->n_entries);
		if (keep == NULL)
			return -ENOMEM;
		memset(keep, 1, sp->n_entries);
		for (unsigned sev = 0; sev < severity && (!fits || have + need > goal); sev++) {
			for (uint32_t i = sp->n_entries; i-- > 0 && (!fits || have + need > goal);) {
				if (sp->entry[i].severity == sev) {
					keep[i] = false;
					have -= spool_record_size(sp->entry[i].len);
					dropped++;
				}
			}
		}
		/* The floor: the most severe of those dropped (they were taken lowest first). */
		for (uint32_t i = 0; i < sp->n_entries; i++)
			if (!keep[i])
				severity_dropped = sp->entry[i].severity > severity_dropped ? sp->entry[i].severity
											     : severity_dropped;
		rc = spool_rewrite(sp, keep);
		free(keep);
		if (rc == 0 && dropped > 0) {
			sp->stats.dropped += dropped;
			sp->stats.dropped_since_report += dropped;
			spool_raise_floor(sp, (uint8_t)severity_dropped);
		}
	}
	if (rc == 0 && !fits) {
		spool_raise_floor(sp, severity);
		return -ENOSPC;
	}
	return rc;
}

int pt_alert_spool_append(struct pt_alert_spool *sp, const char *json, uint32_t len, uint8_t severity, uint64_t *seq)
{
	struct spool_header h = { .magic = SPOOL_MAGIC, .len = len, .severity = severity };
	uint64_t size = spool_record_size(len);
	int rc;

	if (sp == NULL || json == NULL || len == 0 || len > PT_ALERT_JSON_MAX)
		return -EINVAL;
	if (sp->drop_floor >= (int)severity) {
		/* A more severe alert was dropped since the spool last drained: this one would rank below it. */
		sp->stats.dropped++;
		sp->stats.dropped_since_report++;
		return -ENOSPC;
	}
	if (sp->pending_bytes + size > sp->max_bytes) {
		rc = spool_make_room(sp, size, severity);
		if (rc == -ENOSPC) {
			sp->stats.dropped++;
			sp->stats.dropped_since_report++;
		}
		if (rc != 0)
			return rc;
	}
	if ((rc = spool_entries_reserve(sp)) != 0)
		return rc;
	h.seq = sp->next_seq;
	h.crc = spool_record_crc(&h, json);
	if (spool_write_all(sp->log_fd, &h, sizeof(h), sp->log_size) != 0 ||
	    spool_write_all(sp->log_fd, json, len, sp->log_size + sizeof(h)) != 0) {
		sp->stats.errors++;
		/* A partial record is cut by the next recovery; cut it now so that the next append follows a whole one. */
		if (ftruncate(sp->log_fd, (off_t)sp->log_size) != 0)
			sp->stats.errors++;
		return -EIO;                         /* a full disk too: -ENOSPC means the policy dropped it */
	}
	sp->entry[sp->n_entries++] = (struct spool_entry){ .seq = h.seq, .offset = sp->log_size, .len = len,
							   .severity = severity };
	sp->log_size += size;
	sp->pending_bytes += size;
	sp->next_seq++;
	sp->dirty = true;
	sp->stats.appended++;
	if (seq != NULL)
		*seq = h.seq;
	return 0;
}

int pt_alert_spool_sync(struct pt_alert_spool *sp)
{
	if (sp == NULL || !sp->dirty)
		return 0;
	if (fdatasync(sp->log_fd) != 0) {
		sp->stats.errors++;
		return -EIO;
	}
	sp->dirty = false;
	sp->stats.fsyncs++;
	return 0;
}

uint32_t pt_alert_spool_pending(const struct pt_alert_spool *sp)
{
	return sp != NULL ? sp->n_entries : 0;
}

int pt_alert_spool_read(struct pt_alert_spool *sp, uint32_t index, char *buf, size_t cap, uint64_t *seq,
			uint8_t *severity)
{
	const struct spool_entry *e;
	int rc;

	if (sp == NULL || index >= sp->n_entries)
		return -EINVAL;
	e = &sp->entry[index];
	if (cap < (size_t)e->len + 1)
		return -ENOSPC;
	rc = spool_read_all(sp->log_fd, buf, e->len, e->offset + sizeof(struct spool_header));
	if (rc != 0) {
		sp->stats.errors++;
		return rc;
	}
	buf[e->len] = '\0';
	if (seq != NULL)
		*seq = e->seq;
	if (severity != NULL)
		*severity = e->severity;
	return (int)e->len;
}

int pt_alert_spool_ack(struct pt_alert_spool *sp, uint64_t seq)
{
	uint32_t n = 0;
	int rc;

	if (sp == NULL)
		return -EINVAL;
	while (n < sp->n_entries && sp->entry[n].seq <= seq)
		n++;
	if (n == 0)
		return 0;
	/* The log must hold what the acknowledgement says was delivered after it (fdatasync before the ack). */
	if ((rc = pt_alert_spool_sync(sp)) != 0 || (rc = spool_write_ack(sp, sp->entry[n - 1].seq)) != 0)
		return rc;
	sp->acked = sp->entry[n - 1].seq;
	for (uint32_t i = 0; i < n; i++)
		sp->pending_bytes -= spool_record_size(sp->entry[i].len);
	memmove(sp->entry, sp->entry + n, (size_t)(sp->n_entries - n) * sizeof(*sp->entry));
	sp->n_entries -= n;
	sp->stats.acked += n;
	if (sp->pending_bytes <= sp->max_bytes / 2)
		sp->drop_floor = -1;                 /* drained: every severity is welcome again */
	if (sp->n_entries == 0 && sp->log_size > 0) {
		/* Everything delivered: start the log again (the acknowledgement keeps the sequence going). */
		if (ftruncate(sp->log_fd, 0) != 0 || fdatasync(sp->log_fd) != 0) {
			sp->stats.errors++;
			return -errno;
		}
		sp->log_size = 0;
	} else if (sp->log_size > 2 * sp->pending_bytes + (1u << 20)) {
		/* Mostly delivered: drop the delivered head so that the file does not grow without bound. */
		return spool_rewrite(sp, NULL);
	}
	return 0;
}

void pt_alert_spool_stats(const struct pt_alert_spool *sp, struct pt_alert_spool_stats *st)
{
	if (sp == NULL) {
		memset(st, 0, sizeof(*st));
		return;
	}
	*st = sp->stats;
	st->pending = sp->n_entries;
	st->pending_bytes = sp->pending_bytes;
	st->max_bytes = sp->max_bytes;
}

uint64_t pt_alert_spool_take_dropped(struct pt_alert_spool *sp)
{
	uint64_t n;

	if (sp == NULL)
		return 0;
	n = sp->stats.dropped_since_report;
	sp->stats.dropped_since_report = 0;
	return n;
}
