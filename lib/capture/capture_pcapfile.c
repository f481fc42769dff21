/* SPDX-License-Identifier: BSD-3-Clause */
/* capture_pcapfile.c - A classic pcap file read in large blocks by a thread of its own, its packets handed out in place. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "capture_priv.h"
#include "pt_util.h"

#define PCAPFILE_MAGIC_US 0xA1B2C3D4u
#define PCAPFILE_MAGIC_NS 0xA1B23C4Du
#define PCAPFILE_HDR_LEN 24
#define PCAPFILE_REC_LEN 16
#define PCAPFILE_MAX_CAPLEN 262144u          /* libpcap's largest snapshot length for Ethernet */
#define PCAPFILE_BLOCK (1u << 20)            /* bytes the reader thread reads into a block */
#define PCAPFILE_BLOCKS 4u                   /* blocks in flight: the reader stays up to 3 MB ahead */
#define PCAPFILE_HEADROOM (PCAPFILE_REC_LEN + PCAPFILE_MAX_CAPLEN)   /* room for a record cut by a block end */
#define PCAPFILE_MAX_RECS (PCAPFILE_BLOCK / PCAPFILE_REC_LEN)          /* records that can start in a block */
#define PCAPFILE_PREFETCH_RECS 6u                                      /* how far ahead the worker prefetches */
#define PCAPFILE_LINKTYPE_ETHERNET 1

/*
 * A thread of the source reads the file, so that the kernel's copy out of the page cache (a tenth of a -r run)
 * is not on the worker's time. It fills blocks in turn, each behind a headroom as big as the largest record;
 * the worker parses a block in place and, when a record runs over its end, copies those few bytes into the
 * next block's headroom, just before its data. A block goes back to the reader when the worker moves on to the
 * next one, which it does only at the start of a burst, when none of its frames is in use any more.
 */
struct pcapfile_block {
	uint8_t *buf;                 /* PCAPFILE_HEADROOM, then up to PCAPFILE_BLOCK bytes of the file */
	size_t len;                   /* bytes of the file in it */
	bool eof;                     /* the file ends after them */
	int err;                      /* or a read failed after them (errno) */
	/* Where the records that start in the block start (from the start of its data), as the reader found
	 * them: the worker prefetches a few records ahead instead of missing on each header in turn. */
	uint32_t *rec_at;
	uint32_t n_recs;
};

struct pcapfile_source {
	struct pt_capture base;
	struct pt_capture_queue queue;
	int fd;
	bool swapped;                 /* written on a machine of the other byte order */
	bool nano;                    /* timestamps in ns, else us */
	bool need_more;               /* the next record is not all in the current block: take the next one */
	bool ended;
	uint32_t snap;                /* the longest frame handed out (the file's snapshot length, bounded) */
	struct pcapfile_block blocks[PCAPFILE_BLOCKS];
	uint64_t cur;                 /* worker: the block it parses is blocks[cur % PCAPFILE_BLOCKS] */
	bool have_cur;                /* worker: it holds block cur (false before the first one) */
	size_t start;                 /* worker: first byte of that block not yet handed out */
	size_t end;                   /* worker: end of its bytes */
	uint64_t packets;
	uint64_t bytes;
	uint64_t read_errors;
	/* Between the worker and the reader thread. */
	pthread_t reader;
	bool reader_started;
	pthread_mutex_t lock;
	pthread_cond_t changed;
	uint64_t filled;              /* blocks the reader filled (or ended in) */
	uint64_t released;            /* blocks the worker gave back */
	bool stop;
	uint64_t next_rec;            /* reader: file offset (past the file header) where its next record starts */
	uint64_t read_at;             /* reader: file offset (past the file header) of its next block */
	uint8_t hdr_carry[PCAPFILE_REC_LEN];   /* reader: the part of a header cut by a block end */
	uint32_t hdr_carry_len;
	uint32_t rec_next;            /* worker: index in the current block's rec_at of the next record to prefetch */
};

static struct pcapfile_source *pcapfile_of_queue(struct pt_capture_queue *queue)
{
	return (struct pcapfile_source *)((char *)queue - offsetof(struct pcapfile_source, queue));
}

static uint32_t pcapfile_u32(const struct pcapfile_source *src, const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return src->swapped ? __builtin_bswap32(v) : v;
}

/* Read a whole block (or up to the end of the file, or an error) behind its headroom. */
static void pcapfile_read_block(struct pcapfile_source *src, struct pcapfile_block *b)
{
	b->len = 0;
	b->eof = false;
	b->err = 0;
	while (b->len < PCAPFILE_BLOCK) {
		ssize_t got = read(src->fd, b->buf + PCAPFILE_HEADROOM + b->len, PCAPFILE_BLOCK - b->len);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			b->err = errno ? errno : EIO;
			return;
		}
		if (got == 0) {
			b->eof = true;
			return;
		}
		b->len += (size_t)got;
	}
}

/* Note where the records starting in a block start, following the lengths from the record before (a hint only:
 * the worker checks every header itself; a length past any snapshot length ends the notes). */
static void pcapfile_index_block(struct pcapfile_source *src, struct pcapfile_block *b)
{
	const uint8_t *data = b->buf + PCAPFILE_HEADROOM;
	uint32_t caplen;

	b->n_recs = 0;
	if (src->hdr_carry_len > 0) {
		/* A header cut by the last block's end: its rest starts this one. */
		size_t need = PCAPFILE_REC_LEN - src->hdr_carry_len;

		if (b->len < need) {
			src->next_rec = UINT64_MAX;
			goto done;
		}
		memcpy(src->hdr_carry + src->hdr_carry_len, data, need);
		src->hdr_carry_len = 0;
		caplen = pcapfile_u32(src, src->hdr_carry + 8);
		src->next_rec = caplen > PCAPFILE_MAX_CAPLEN ? UINT64_MAX : src->next_rec + PCAPFILE_REC_LEN + caplen;
	}
	while (src->next_rec < src->read_at + b->len) {
		uint64_t at = src->next_rec - src->read_at;

		b->rec_at[b->n_recs++] = (uint32_t)at;
		if (at + PCAPFILE_REC_LEN > b->len) {
			src->hdr_carry_len = (uint32_t)(b->len - at);
			memcpy(src->hdr_carry, data + at, src->hdr_carry_len);
			break;
		}
		caplen = pcapfile_u32(src, data + at + 8);
		if (caplen > PCAPFILE_MAX_CAPLEN) {
			src->next_rec = UINT64_MAX;
			break;
		}
		src->next_rec += PCAPFILE_REC_LEN + caplen;
	}
done:
	src->read_at += b->len;
}

static void *pcapfile_reader(void *arg)
{
	struct pcapfile_source *src = arg;

	for (uint64_t i = 0;; i++) {
		struct pcapfile_block *b = &src->blocks[i % PCAPFILE_BLOCKS];
		bool stop;

		pthread_mutex_lock(&src->lock);
		while (!src->stop && i - src->released >= PCAPFILE_BLOCKS)
			pthread_cond_wait(&src->changed, &src->lock);
		stop = src->stop;                 /* read under the lock: close() writes it from another thread */
		pthread_mutex_unlock(&src->lock);
		if (stop)
			return NULL;
		pcapfile_read_block(src, b);
		pcapfile_index_block(src, b);
		pthread_mutex_lock(&src->lock);
		src->filled = i + 1;
		pthread_cond_broadcast(&src->changed);
		pthread_mutex_unlock(&src->lock);
		if (b->eof || b->err)
			return NULL;
	}
}

/*
 * Move on to the next block: wait for the reader, carry the bytes not handed out of the current block into the
 * headroom of the next, and give the current one back.
 */
static void pcapfile_next_block(struct pcapfile_source *src)
{
	uint64_t next = src->have_cur ? src->cur + 1 : 0;
	struct pcapfile_block *nb = &src->blocks[next % PCAPFILE_BLOCKS];
	size_t tail = src->have_cur ? src->end - src->start : 0;

	pthread_mutex_lock(&src->lock);
	while (src->filled <= next)
		pthread_cond_wait(&src->changed, &src->lock);
	pthread_mutex_unlock(&src->lock);

	if (tail > 0)
		memcpy(nb->buf + PCAPFILE_HEADROOM - tail, src->blocks[src->cur % PCAPFILE_BLOCKS].buf + src->start,
		       tail);
	if (src->have_cur) {
		pthread_mutex_lock(&src->lock);
		src->released = src->cur + 1;
		pthread_cond_broadcast(&src->changed);
		pthread_mutex_unlock(&src->lock);
	}
	src->cur = next;
	src->have_cur = true;
	src->start = PCAPFILE_HEADROOM - tail;
	src->end = PCAPFILE_HEADROOM + nb->len;
	src->rec_next = 0;
}

/* Prefetch the header (and the frame's first line) of the record a few ahead of the one at @p start. */
static inline void pcapfile_prefetch(struct pcapfile_source *src, const struct pcapfile_block *b, size_t start)
{
	while (src->rec_next < b->n_recs && PCAPFILE_HEADROOM + b->rec_at[src->rec_next] <= start)
		src->rec_next++;
	if (src->rec_next + PCAPFILE_PREFETCH_RECS < b->n_recs) {
		const uint8_t *p = b->buf + PCAPFILE_HEADROOM + b->rec_at[src->rec_next + PCAPFILE_PREFETCH_RECS];

		__builtin_prefetch(p);
		__builtin_prefetch(p + 64);
	}
}

/* The block being parsed is the file's last: what is left in it is all there is. */
static bool pcapfile_at_eof(const struct pcapfile_source *src)
{
	const struct pcapfile_block *b = &src->blocks[src->cur % PCAPFILE_BLOCKS];

	return src->have_cur && (b->eof || b->err);
}

/* Stop at an unreadable remainder, as libpcap does: one warning, counted in ierrors. */
static void pcapfile_fail(struct pcapfile_source *src, const char *why)
{
	src->read_errors++;
	src->ended = true;
	pt_log(PT_LOG_WARN, "pcap: %s; stopping at packet %" PRIu64, why, src->packets);
}

/* Out of bytes in the file's last block: a read error ends it, or the file is cut inside a record. */
static void pcapfile_fail_short(struct pcapfile_source *src, const char *what, size_t wanted, size_t have)
{
	const struct pcapfile_block *b = &src->blocks[src->cur % PCAPFILE_BLOCKS];
	char why[128];

	if (b->err)
		snprintf(why, sizeof(why), "read error: %s", strerror(b->err));
	else
		snprintf(why, sizeof(why), "truncated dump file; tried to read %zu %s bytes, only got %zu", wanted, what,
			 have);
	pcapfile_fail(src, why);
}

static int pcapfile_rx_burst(struct pt_capture_queue *queue, struct pt_capture_pkt *pkts, uint16_t n)
{
	struct pcapfile_source *src = pcapfile_of_queue(queue);
	uint16_t got = 0;
	char why[128];

	if (src->ended)
		return -ENODATA;
	if (n > PT_CAPTURE_BURST)
		n = PT_CAPTURE_BURST;
	while (got < n && !src->ended) {
		const struct pcapfile_block *blk;
		const uint8_t *rec;
		size_t left;
		uint32_t caplen, len, sec, frac;
		bool eof;

		/* Only before the first frame of a burst: those of the last burst are no longer in use then. */
		if (src->need_more && got == 0) {
			src->need_more = false;
			pcapfile_next_block(src);
		}
		blk = &src->blocks[src->cur % PCAPFILE_BLOCKS];
		rec = blk->buf + src->start;
		left = src->end - src->start;
		eof = pcapfile_at_eof(src);
		pcapfile_prefetch(src, blk, src->start);

		if (left == 0 && eof) {
			if (src->blocks[src->cur % PCAPFILE_BLOCKS].err)
				pcapfile_fail_short(src, "", 0, 0);
			src->ended = true;
			break;
		}
		if (left < PCAPFILE_REC_LEN) {
			if (!eof) {
				src->need_more = true;
				if (got == 0)
					continue;
				break;   /* the next burst takes the next block */
			}
			pcapfile_fail_short(src, "header", PCAPFILE_REC_LEN, left);
			break;
		}
		sec = pcapfile_u32(src, rec);
		frac = pcapfile_u32(src, rec + 4);
		caplen = pcapfile_u32(src, rec + 8);
		len = pcapfile_u32(src, rec + 12);
		if (caplen > PCAPFILE_MAX_CAPLEN) {
			snprintf(why, sizeof(why), "invalid packet capture length %u, bigger than maximum of %u", caplen,
				 PCAPFILE_MAX_CAPLEN);
			pcapfile_fail(src, why);
			break;
		}
		if (left < PCAPFILE_REC_LEN + (size_t)caplen) {
			if (!eof) {
				src->need_more = true;
				if (got == 0)
					continue;
				break;
			}
			pcapfile_fail_short(src, "captured", caplen, left - PCAPFILE_REC_LEN);
			break;
		}
		pkts[got].data = rec + PCAPFILE_REC_LEN;
		pkts[got].cap_len = caplen < src->snap ? caplen : src->snap;
		pkts[got].wire_len = len >= pkts[got].cap_len ? len : pkts[got].cap_len;
		pkts[got].ts_ns = (uint64_t)sec * PT_NS_PER_SEC + (uint64_t)frac * (src->nano ? 1 : 1000);
		src->start += PCAPFILE_REC_LEN + caplen;
		src->packets++;
		src->bytes += pkts[got].wire_len;
		got++;
	}
	if (got == 0 && src->ended)
		return -ENODATA;
	return got;
}

static void pcapfile_release(struct pt_capture_queue *queue)
{
	(void)queue;                  /* the frames stay in their block until the next burst */
}

static int pcapfile_stats(struct pt_capture *cap, struct pt_capture_stats *stats)
{
	const struct pcapfile_source *src = (const struct pcapfile_source *)cap;

	memset(stats, 0, sizeof(*stats));
	stats->ipackets = src->packets;
	stats->ibytes = src->bytes;
	stats->ierrors = src->read_errors;
	return 0;
}

static void pcapfile_close(struct pt_capture *cap)
{
	struct pcapfile_source *src = (struct pcapfile_source *)cap;

	if (src->reader_started) {
		pthread_mutex_lock(&src->lock);
		src->stop = true;
		pthread_cond_broadcast(&src->changed);
		pthread_mutex_unlock(&src->lock);
		pthread_join(src->reader, NULL);
		pthread_cond_destroy(&src->changed);
		pthread_mutex_destroy(&src->lock);
	}
	if (src->fd >= 0)
		close(src->fd);
	for (unsigned i = 0; i < PCAPFILE_BLOCKS; i++) {
		pt_free_aligned(src->blocks[i].buf);
		pt_free_aligned(src->blocks[i].rec_at);
	}
	pt_free_aligned(src);
}

static const struct pt_capture_ops pcapfile_ops = {
	.name = "pcap",
	.rx_burst = pcapfile_rx_burst,
	.release = pcapfile_release,
	.stats = pcapfile_stats,
	.close = pcapfile_close,
};

struct pt_capture *pt_capture_open_pcapfile(const char *path, char *err, size_t err_len)
{
	uint8_t hdr[PCAPFILE_HDR_LEN];
	struct pcapfile_source *src;
	uint32_t magic, linktype, snap;
	int rc, fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || pread(fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr)) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	memcpy(&magic, hdr, sizeof(magic));
	src = pt_zalloc_aligned(sizeof(*src));
	if (src == NULL) {
		close(fd);
		return NULL;
	}
	src->fd = fd;
	src->swapped = magic == __builtin_bswap32(PCAPFILE_MAGIC_US) || magic == __builtin_bswap32(PCAPFILE_MAGIC_NS);
	magic = pcapfile_u32(src, hdr);
	linktype = pcapfile_u32(src, hdr + 20) & 0x0FFFFFFF;   /* the top bits carry FCS information */
	snap = pcapfile_u32(src, hdr + 16);
	/* Anything else (pcapng, another link type, an odd header) is libpcap's to read or to refuse. */
	if ((magic != PCAPFILE_MAGIC_US && magic != PCAPFILE_MAGIC_NS) || linktype != PCAPFILE_LINKTYPE_ETHERNET) {
		pcapfile_close(&src->base);
		return NULL;
	}
	src->nano = magic == PCAPFILE_MAGIC_NS;
	src->snap = snap > 0 && snap <= PCAPFILE_MAX_CAPLEN ? snap : PCAPFILE_MAX_CAPLEN;
	for (unsigned i = 0; i < PCAPFILE_BLOCKS; i++) {
		/* Fresh pages from calloc, touched by the reads only: a small file costs what it reads. */
		src->blocks[i].buf = pt_zalloc_aligned(PCAPFILE_HEADROOM + PCAPFILE_BLOCK);
		src->blocks[i].rec_at = pt_zalloc_aligned(PCAPFILE_MAX_RECS * sizeof(uint32_t));
		if (src->blocks[i].buf == NULL || src->blocks[i].rec_at == NULL) {
			snprintf(err, err_len, "%s: out of memory", path);
			pcapfile_close(&src->base);
			return NULL;
		}
	}
	if (lseek(fd, PCAPFILE_HDR_LEN, SEEK_SET) != PCAPFILE_HDR_LEN) {
		snprintf(err, err_len, "%s: %s", path, strerror(errno));
		pcapfile_close(&src->base);
		return NULL;
	}
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	pthread_mutex_init(&src->lock, NULL);
	pthread_cond_init(&src->changed, NULL);
	if ((rc = pthread_create(&src->reader, NULL, pcapfile_reader, src)) != 0) {
		pthread_cond_destroy(&src->changed);
		pthread_mutex_destroy(&src->lock);
		snprintf(err, err_len, "%s: cannot start its reader thread: %s", path, strerror(rc));
		pcapfile_close(&src->base);
		return NULL;
	}
	src->reader_started = true;
	pthread_setname_np(src->reader, "podtap-reader");
	src->need_more = true;
	src->queue.ops = &pcapfile_ops;
	src->base.ops = &pcapfile_ops;
	src->base.n_queues = 1;
	src->base.queues[0] = &src->queue;
	snprintf(src->base.description, sizeof(src->base.description), "pcap file %s", path);
	return &src->base;
}
