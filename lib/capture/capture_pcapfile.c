/* SPDX-License-Identifier: BSD-3-Clause */
/* capture_pcapfile.c - A classic pcap file read in large blocks, its packets handed out in place (no copy each). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
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
#define PCAPFILE_BLOCK (1u << 20)            /* bytes read at a time: the buffer stays in a core's L2 */
#define PCAPFILE_LINKTYPE_ETHERNET 1

struct pcapfile_source {
	struct pt_capture base;
	struct pt_capture_queue queue;
	int fd;
	bool swapped;                 /* written on a machine of the other byte order */
	bool nano;                    /* timestamps in ns, else us */
	bool eof;                     /* read() returned 0: what is in buf is all there is */
	bool need_more;               /* the next record is not all in buf: read before parsing */
	bool ended;
	uint32_t snap;                /* the longest frame handed out (the file's snapshot length, bounded) */
	uint8_t *buf;                 /* PCAPFILE_BLOCK + the largest record */
	size_t cap;
	size_t start;                 /* first byte not yet handed out */
	size_t end;                   /* end of the bytes read */
	uint64_t packets;
	uint64_t bytes;
	uint64_t read_errors;
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

/* Keep the bytes not handed out, and read more behind them until the buffer is full or the file ends. */
static int pcapfile_fill(struct pcapfile_source *src)
{
	if (src->start > 0) {
		memmove(src->buf, src->buf + src->start, src->end - src->start);
		src->end -= src->start;
		src->start = 0;
	}
	while (!src->eof && src->end < src->cap) {
		ssize_t got = read(src->fd, src->buf + src->end, src->cap - src->end);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -errno;
		if (got == 0)
			src->eof = true;
		src->end += (size_t)got;
	}
	return 0;
}

/* Stop at an unreadable remainder, as libpcap does: one warning, counted in ierrors. */
static void pcapfile_fail(struct pcapfile_source *src, const char *why)
{
	src->read_errors++;
	src->ended = true;
	pt_log(PT_LOG_WARN, "pcap: %s; stopping at packet %" PRIu64, why, src->packets);
}

static int pcapfile_rx_burst(struct pt_capture_queue *queue, struct pt_capture_pkt *pkts, uint16_t n)
{
	struct pcapfile_source *src = pcapfile_of_queue(queue);
	uint16_t got = 0;
	char why[128];
	int rc;

	if (src->ended)
		return -ENODATA;
	if (n > PT_CAPTURE_BURST)
		n = PT_CAPTURE_BURST;
	while (got < n && !src->ended) {
		const uint8_t *rec;
		size_t left;
		uint32_t caplen, len, sec, frac;

		/* Only before the first frame of a burst: those of the last burst are no longer in use then. */
		if (src->need_more && got == 0) {
			src->need_more = false;
			if ((rc = pcapfile_fill(src)) != 0) {
				snprintf(why, sizeof(why), "read error: %s", strerror(-rc));
				pcapfile_fail(src, why);
				break;
			}
		}
		rec = src->buf + src->start;
		left = src->end - src->start;

		if (left == 0 && src->eof) {
			src->ended = true;
			break;
		}
		if (left < PCAPFILE_REC_LEN) {
			if (!src->eof) {
				src->need_more = true;
				if (got == 0)
					continue;
				break;   /* the next burst reads the rest */
			}
			snprintf(why, sizeof(why), "truncated dump file; tried to read %u header bytes, only got %zu",
				 PCAPFILE_REC_LEN, left);
			pcapfile_fail(src, why);
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
			if (!src->eof) {
				src->need_more = true;
				if (got == 0)
					continue;
				break;
			}
			snprintf(why, sizeof(why), "truncated dump file; tried to read %u captured bytes, only got %zu",
				 caplen, left - PCAPFILE_REC_LEN);
			pcapfile_fail(src, why);
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
	(void)queue;                  /* the frames stay in the buffer until the next burst */
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

	if (src->fd >= 0)
		close(src->fd);
	pt_free_aligned(src->buf);
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
	int fd = open(path, O_RDONLY | O_CLOEXEC);

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
	src->cap = PCAPFILE_BLOCK + PCAPFILE_REC_LEN + PCAPFILE_MAX_CAPLEN;
	src->buf = pt_zalloc_aligned(src->cap);
	if (src->buf == NULL || lseek(fd, PCAPFILE_HDR_LEN, SEEK_SET) != PCAPFILE_HDR_LEN) {
		snprintf(err, err_len, "%s: %s", path, src->buf == NULL ? "out of memory" : strerror(errno));
		pcapfile_close(&src->base);
		return NULL;
	}
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	src->need_more = true;
	src->queue.ops = &pcapfile_ops;
	src->base.ops = &pcapfile_ops;
	src->base.n_queues = 1;
	src->base.queues[0] = &src->queue;
	snprintf(src->base.description, sizeof(src->base.description), "pcap file %s", path);
	return &src->base;
}
