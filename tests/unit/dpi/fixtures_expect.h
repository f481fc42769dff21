/* SPDX-License-Identifier: BSD-3-Clause */
/* fixtures_expect.h - Values the DPI tests assert, written by make-fixtures.sh (do not edit). */
#ifndef PT_DPI_FIXTURES_EXPECT_H
#define PT_DPI_FIXTURES_EXPECT_H

/* chosen by make-fixtures.sh */
#define FX_CLIENT_IP "10.244.1.10"
#define FX_SERVER_IP "203.0.113.10"
#define FX_SNI_TLS "shop.podtap.test"
#define FX_SNI_SELF "self.podtap.test"
#define FX_SNI_QUIC "video.podtap.test"
#define FX_DNS_NAME "api.podtap.test"
#define FX_DNS_NX "missing.podtap.test"
#define FX_DNS_A "203.0.113.20"
#define FX_DNS_AAAA "2001:db8::20"
#define FX_HTTP_HOST "www.podtap.test"
#define FX_HTTP_UA "podtap-fixture/1.0 (curl; unit test)"

/* openssl, on the certificates the servers used */
#define FX_LEAF_SUBJECT "C=NL, O=Podtap Test, OU=Shop, CN=shop.podtap.test"
#define FX_LEAF_ISSUER "C=NL, O=Podtap Test, CN=Podtap Test CA"
#define FX_LEAF_SHA1 "D9789C7216BE10CA752B9F191A2D581F4DD6FD28"
#define FX_SELF_SUBJECT "O=Podtap Self, CN=self.podtap.test"
#define FX_SELF_SHA1 "0220C27FA3A080C1F0162FCA4C495B9EFC0B759E"
#define FX_SSH_BANNER "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10"

/* ndpiReader 4.2 -v 2, on the same captures */
#define FX_TLS12_JA3C "87b9bfc7da97115ed2276737b09f8d74"
#define FX_TLS12_JA3S "a548c224ffe85e7076d7897c27f6758c"
#define FX_TLS13_JA3C "89dfc51e72bdcb94e4ba4622588002b1"
#define FX_TLS13_JA3S "15af977ce25de452b96affa2addb1036"
#define FX_SELF_JA3C "87b9bfc7da97115ed2276737b09f8d74"
#define FX_SELF_JA3S "e54965894d6b45ecb4323c7ea3d6c115"
#define FX_QUIC_JA3C "102963763b3e4d14bf4dacd0f63e2160"
#define FX_SSH_HASSH_C "D41D8CD98F00B204E9800998ECF8427E"
#define FX_SSH_HASSH_S "425D29FE50D8E4F5E37EFB6E24BCF660"
#define FX_SSH_SHORT_HASSH_C "D6BD53D769CFDE0C90A5E41CB9FF93DF"
#define FX_SSH_SHORT_HASSH_S "425D29FE50D8E4F5E37EFB6E24BCF660"

/* tshark, on the same captures (it reassembles TCP: its HASSH of the default OpenSSH client is the one nDPI 4.2 misses) */
#define FX_TSHARK_TLS12_JA3 "87b9bfc7da97115ed2276737b09f8d74"
#define FX_TSHARK_TLS12_JA3S "a548c224ffe85e7076d7897c27f6758c"
#define FX_TSHARK_TLS13_JA3 "89dfc51e72bdcb94e4ba4622588002b1"
#define FX_TSHARK_TLS13_JA3S "15af977ce25de452b96affa2addb1036"
#define FX_TSHARK_SSH_HASSH "472b5de333ad665af5cbf10ff892c4df"
#define FX_TSHARK_SSH_HASSH_SERVER "425d29fe50d8e4f5e37efb6e24bcf660"
#define FX_TSHARK_SSH_SHORT_HASSH "d6bd53d769cfde0c90a5e41cb9ff93df"

#endif /* PT_DPI_FIXTURES_EXPECT_H */
