/* SPDX-License-Identifier: BSD-3-Clause */
/* samples.h - Valid sample frames for the decode tests, one builder per encapsulation; reused by the robustness test. */
#ifndef PT_TEST_SAMPLES_H
#define PT_TEST_SAMPLES_H

#include "pkt_builder.h"

struct sample {
	const char *name;
	void (*build)(struct pkt *p);
};

void sample_eth_ipv4_tcp(struct pkt *p);
void sample_eth_ipv4_udp(struct pkt *p);
void sample_eth_ipv4_icmp(struct pkt *p);
void sample_eth_ipv4_sctp(struct pkt *p);
void sample_eth_ipv4_esp(struct pkt *p);
void sample_eth_ipv6_tcp(struct pkt *p);
void sample_eth_ipv6_icmpv6(struct pkt *p);
void sample_eth_ipv6_sctp(struct pkt *p);
void sample_vlan_8021q(struct pkt *p);
void sample_qinq_88a8(struct pkt *p);
void sample_qinq_8100(struct pkt *p);
void sample_ipv4_options(struct pkt *p);
void sample_ipv4_frag_first(struct pkt *p);
void sample_ipv4_frag_later(struct pkt *p);
void sample_ipv6_exthdrs(struct pkt *p);
void sample_ipv6_frag_later(struct pkt *p);
void sample_ipv6_atomic_frag(struct pkt *p);
void sample_ipv6_ah(struct pkt *p);
void sample_vxlan_4789(struct pkt *p);
void sample_vxlan_8472(struct pkt *p);
void sample_geneve_options(struct pkt *p);
void sample_geneve_ipv4(struct pkt *p);
void sample_gre_plain(struct pkt *p);
void sample_gre_key(struct pkt *p);
void sample_gre_csum_seq(struct pkt *p);
void sample_gre_csum_key_seq(struct pkt *p);
void sample_gre_teb(struct pkt *p);
void sample_gre_pptp(struct pkt *p);
void sample_erspan1(struct pkt *p);
void sample_erspan2(struct pkt *p);
void sample_erspan3(struct pkt *p);
void sample_erspan3_platform(struct pkt *p);
void sample_erspan3_ip(struct pkt *p);
void sample_ipip_4in4(struct pkt *p);
void sample_ipip_6in4(struct pkt *p);
void sample_ipip_4in6(struct pkt *p);
void sample_ipip_6in6(struct pkt *p);
void sample_vxlan_in_erspan(struct pkt *p);

/** Every sample above, for loops. */
extern const struct sample samples[];
extern const unsigned int n_samples;

#endif /* PT_TEST_SAMPLES_H */
