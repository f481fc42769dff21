/* SPDX-License-Identifier: BSD-3-Clause */
/* capture_pcap.c - libpcap capture source: pcapng and other files (-r; classic pcap: capture_pcapfile.c), live (-i). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <pcap/pcap.h>

#include "capture_priv.h"
#include "pt_util.h"

struct pcap_source {
	struct pt_capture base;
	struct pt_capture_queue queue;   /* the single queue; its ops point back here */
	pcap_t *pcap;
	bool offline;
	bool ended;
	uint32_t slot_size;              /* bytes reserved per packet in buf */
	uint8_t *buf;                    /* PT_CAPTURE_BURST slots: libpcap reuses its own buffer per packet */
	uint64_t packets;
	uint64_t bytes;
	uint64_t read_errors;
	uint32_t ts_frac_scale;          /* tv_usec to ns: 1 when libpcap gives nanoseconds, 1000 for microseconds */
};

static struct pcap_source *source_of_queue(struct pt_capture_queue *queue)
{
	return (struct pcap_source *)((char *)queue - offsetof(struct pcap_source, queue));
}

static int pcap_rx_burst(struct pt_capture_queue *queue, struct pt_capture_pkt *pkts, uint16_t n)
{
	struct pcap_source *src = source_of_queue(queue);
	struct pcap_pkthdr *hdr;
	const u_char *data;
	uint16_t got = 0;

	if (src->ended)
		return -ENODATA;
	if (n > PT_CAPTURE_BURST)
		n = PT_CAPTURE_BURST;
	while (got < n) {
		int rc = pcap_next_ex(src->pcap, &hdr, &data);
		uint32_t len;

		if (rc == 0)
			break;                       /* live: read timeout with nothing pending */
		if (rc != 1) {
			if (rc == PCAP_ERROR) {
				src->read_errors++;
				pt_log(PT_LOG_WARN, "pcap: %s; stopping at packet %" PRIu64,
				       pcap_geterr(src->pcap), src->packets);
			}
			src->ended = true;           /* end of file, or an unreadable remainder */
			break;
		}
		len = hdr->caplen < src->slot_size ? hdr->caplen : src->slot_size;
		memcpy(src->buf + (size_t)got * src->slot_size, data, len);
		pkts[got].data = src->buf + (size_t)got * src->slot_size;
		pkts[got].cap_len = len;
		pkts[got].wire_len = hdr->len >= len ? hdr->len : len;
		pkts[got].ts_ns = (uint64_t)hdr->ts.tv_sec * PT_NS_PER_SEC + (uint64_t)hdr->ts.tv_usec * src->ts_frac_scale;
		src->packets++;
		src->bytes += pkts[got].wire_len;
		got++;
	}
	if (got == 0 && src->ended)
		return -ENODATA;
	return got;
}

static void pcap_release(struct pt_capture_queue *queue)
{
	(void)queue;                                 /* the copies live in buf until the next burst */
}

static int pcap_stats_get(struct pt_capture *cap, struct pt_capture_stats *stats)
{
	struct pcap_source *src = (struct pcap_source *)cap;
	struct pcap_stat ps;

	memset(stats, 0, sizeof(*stats));
	stats->ipackets = src->packets;
	stats->ibytes = src->bytes;
	stats->ierrors = src->read_errors;
	if (!src->offline && pcap_stats(src->pcap, &ps) == 0)
		stats->imissed = (uint64_t)ps.ps_drop + ps.ps_ifdrop;
	return 0;
}

static void pcap_source_close(struct pt_capture *cap)
{
	struct pcap_source *src = (struct pcap_source *)cap;

	if (src->pcap != NULL)
		pcap_close(src->pcap);
	pt_free_aligned(src->buf);
	pt_free_aligned(src);
}

static const struct pt_capture_ops pcap_ops = {
	.name = "pcap",
	.rx_burst = pcap_rx_burst,
	.release = pcap_release,
	.stats = pcap_stats_get,
	.close = pcap_source_close,
};

/* Shared tail of both constructors: check the link type and size the burst buffer. */
static struct pt_capture *pcap_source_finish(struct pcap_source *src, const char *what, char *err, size_t err_len)
{
	int snap = pcap_snapshot(src->pcap);

	if (pcap_datalink(src->pcap) != DLT_EN10MB) {
		snprintf(err, err_len, "%s: link type %s is not supported (podtap needs Ethernet frames)", what,
			 pcap_datalink_val_to_name(pcap_datalink(src->pcap)) ?: "unknown");
		goto fail;
	}
	/* We ask for nanoseconds; a live interface may not offer them. */
	src->ts_frac_scale = pcap_get_tstamp_precision(src->pcap) == PCAP_TSTAMP_PRECISION_NANO ? 1 : 1000;
	/* Some writers record snaplen 0 or absurd values; bound the per-packet slot. */
	src->slot_size = (snap > 0 && snap <= 262144) ? (uint32_t)snap : 262144;
	src->buf = pt_zalloc_aligned((size_t)PT_CAPTURE_BURST * src->slot_size);
	if (src->buf == NULL) {
		snprintf(err, err_len, "%s: out of memory for the packet buffer", what);
		goto fail;
	}
	src->queue.ops = &pcap_ops;
	src->base.ops = &pcap_ops;
	src->base.n_queues = 1;
	src->base.queues[0] = &src->queue;
	return &src->base;
fail:
	pcap_source_close(&src->base);
	return NULL;
}

struct pt_capture *pt_capture_open_pcap_file(const char *path, char *err, size_t err_len)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct pt_capture *classic = pt_capture_open_pcapfile(path, err, err_len);
	struct pcap_source *src;

	if (classic != NULL)
		return classic;
	src = pt_zalloc_aligned(sizeof(*src));
	if (src == NULL) {
		snprintf(err, err_len, "%s: out of memory", path);
		return NULL;
	}
	src->offline = true;
	src->pcap = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (src->pcap == NULL) {
		/* libpcap names the file in some messages ("FILE: No such file or directory"), not in others. */
		if (strstr(errbuf, path) != NULL)
			snprintf(err, err_len, "%s", errbuf);
		else
			snprintf(err, err_len, "%s: %s", path, errbuf);
		pt_free_aligned(src);
		return NULL;
	}
	snprintf(src->base.description, sizeof(src->base.description), "pcap file %s", path);
	return pcap_source_finish(src, path, err, err_len);
}

struct pt_capture *pt_capture_open_pcap_live(const char *iface, uint32_t snaplen, bool promiscuous,
					     const char *bpf_filter, char *err, size_t err_len)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct pcap_source *src = pt_zalloc_aligned(sizeof(*src));
	struct bpf_program prog;
	int rc;

	if (src == NULL) {
		snprintf(err, err_len, "%s: out of memory", iface);
		return NULL;
	}
	src->pcap = pcap_create(iface, errbuf);
	if (src->pcap == NULL) {
		snprintf(err, err_len, "%s: %s", iface, errbuf);
		pt_free_aligned(src);
		return NULL;
	}
	pcap_set_snaplen(src->pcap, (int)snaplen);
	pcap_set_promisc(src->pcap, promiscuous);
	pcap_set_immediate_mode(src->pcap, 1);
	pcap_set_timeout(src->pcap, 100);
	pcap_set_buffer_size(src->pcap, 64 << 20);
	pcap_set_tstamp_precision(src->pcap, PCAP_TSTAMP_PRECISION_NANO);
	rc = pcap_activate(src->pcap);
	if (rc < 0) {
		snprintf(err, err_len, "%s: %s", iface, pcap_geterr(src->pcap));
		goto fail;
	}
	if (bpf_filter[0] != '\0') {
		if (pcap_compile(src->pcap, &prog, bpf_filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
			snprintf(err, err_len, "capture.bpf_filter: %s", pcap_geterr(src->pcap));
			goto fail;
		}
		rc = pcap_setfilter(src->pcap, &prog);
		pcap_freecode(&prog);
		if (rc != 0) {
			snprintf(err, err_len, "capture.bpf_filter: %s", pcap_geterr(src->pcap));
			goto fail;
		}
	}
	if (pcap_setnonblock(src->pcap, 1, errbuf) != 0) {
		snprintf(err, err_len, "%s: %s", iface, errbuf);
		goto fail;
	}
	snprintf(src->base.description, sizeof(src->base.description), "pcap live %s", iface);
	return pcap_source_finish(src, iface, err, err_len);
fail:
	pcap_source_close(&src->base);
	return NULL;
}
