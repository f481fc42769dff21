/* SPDX-License-Identifier: BSD-3-Clause */
/* test_frag.c - Unit tests of struct pt_frag_table: later fragments get the ports of their first fragment. */
#include "decode_test.h"

#define SEC 1000000000ULL

static void decode_sample(void (*build)(struct pkt *), struct pt_decoded *d)
{
	struct pkt p;

	dec_sample(build, &p, d);
}

static void test_create_free(void **state)
{
	struct pt_frag_table *t;

	(void)state;
	assert_null(pt_frag_table_create(0));
	pt_frag_table_free(NULL);
	t = pt_frag_table_create(5);  /* rounded up to 8 */
	assert_non_null(t);
	pt_frag_table_free(t);
}

static void test_unfragmented_untouched(void **state)
{
	struct pt_frag_table *t = pt_frag_table_create(64);
	struct pt_decoded d, before;

	(void)state;
	decode_sample(sample_eth_ipv4_tcp, &d);
	before = d;
	assert_true(pt_frag_table_resolve(t, &d, 0));
	assert_memory_equal(&d, &before, sizeof(d));
	pt_frag_table_free(t);
}

static void test_ipv4_first_then_later(void **state)
{
	struct pt_frag_table *t = pt_frag_table_create(64);
	struct pt_decoded first, later;

	(void)state;
	decode_sample(sample_ipv4_frag_first, &first);
	decode_sample(sample_ipv4_frag_later, &later);
	assert_int_equal(later.src_port, 0);
	assert_true(pt_frag_table_resolve(t, &first, 10 * SEC));
	assert_int_equal(first.src_port, 4000);
	assert_true(pt_frag_table_resolve(t, &later, 10 * SEC + 1000));
	assert_int_equal(later.src_port, 4000);
	assert_int_equal(later.dst_port, 5000);
	assert_int_equal(later.l4_proto, 17);
	assert_int_equal(later.frag, PT_DECODE_FRAG_LATER);
	/* every later fragment of the datagram resolves, not only the first one */
	decode_sample(sample_ipv4_frag_later, &later);
	assert_true(pt_frag_table_resolve(t, &later, 11 * SEC));
	assert_int_equal(later.dst_port, 5000);
	pt_frag_table_free(t);
}

static void test_later_without_first(void **state)
{
	struct pt_frag_table *t = pt_frag_table_create(64);
	struct pt_decoded first, later;

	(void)state;
	decode_sample(sample_ipv4_frag_later, &later);
	assert_false(pt_frag_table_resolve(t, &later, 0));
	assert_int_equal(later.src_port, 0);

	/* a first fragment of another datagram (other id, other address, other protocol) does not match */
	decode_sample(sample_ipv4_frag_first, &first);
	first.frag_id++;
	assert_true(pt_frag_table_resolve(t, &first, 0));
	assert_false(pt_frag_table_resolve(t, &later, 0));
	decode_sample(sample_ipv4_frag_first, &first);
	first.dst_addr[3]++;
	assert_true(pt_frag_table_resolve(t, &first, 0));
	assert_false(pt_frag_table_resolve(t, &later, 0));
	decode_sample(sample_ipv4_frag_first, &first);
	first.l4_proto = 6;
	assert_true(pt_frag_table_resolve(t, &first, 0));
	assert_false(pt_frag_table_resolve(t, &later, 0));
	pt_frag_table_free(t);
}

static void test_expiry(void **state)
{
	struct pt_frag_table *t = pt_frag_table_create(64);
	struct pt_decoded first, later;

	(void)state;
	decode_sample(sample_ipv4_frag_first, &first);
	assert_true(pt_frag_table_resolve(t, &first, 100 * SEC));
	decode_sample(sample_ipv4_frag_later, &later);
	assert_true(pt_frag_table_resolve(t, &later, 129 * SEC));
	decode_sample(sample_ipv4_frag_later, &later);
	assert_false(pt_frag_table_resolve(t, &later, 131 * SEC));
	assert_int_equal(later.src_port, 0);
	/* slightly reordered timestamps (older than the first fragment) still match */
	decode_sample(sample_ipv4_frag_later, &later);
	assert_true(pt_frag_table_resolve(t, &later, 99 * SEC));
	pt_frag_table_free(t);
}

static void test_ipv6(void **state)
{
	struct pt_frag_table *t = pt_frag_table_create(64);
	struct pt_decoded first, later;

	(void)state;
	decode_sample(sample_ipv6_exthdrs, &first);
	decode_sample(sample_ipv6_frag_later, &later);
	assert_int_equal(first.frag, PT_DECODE_FRAG_FIRST);
	assert_int_equal(later.frag, PT_DECODE_FRAG_LATER);
	assert_true(pt_frag_table_resolve(t, &first, 1));
	assert_true(pt_frag_table_resolve(t, &later, 2));
	assert_int_equal(later.src_port, 40001);
	assert_int_equal(later.dst_port, 443);
	assert_int_equal(later.l4_proto, 6);
	pt_frag_table_free(t);
}

/* Destination options after the fragment header: the later fragment says 60, the first fragment knows UDP. */
static void test_ipv6_exthdr_after_fragment(void **state)
{
	struct pt_frag_table *t = pt_frag_table_create(64);
	struct pt_decoded first, later;
	struct pkt p;

	(void)state;
	pk_init(&p);
	pk_eth(&p, 0x86DD);
	pk_ipv6(&p, 44, "2001:db8::1", "2001:db8::2");
	pk_frag6(&p, 60, 0, 1, 7);
	pk_ext6(&p, 17, 0);
	pk_udp(&p, 1111, 2222);
	pk_payload(&p, 40);
	pk_finish(&p);
	assert_int_equal(dec(&p, &first), PT_DECODE_OK);
	assert_int_equal(first.l4_proto, 17);
	pk_init(&p);
	pk_eth(&p, 0x86DD);
	pk_ipv6(&p, 44, "2001:db8::1", "2001:db8::2");
	pk_frag6(&p, 60, 10, 0, 7);
	pk_payload(&p, 40);
	pk_finish(&p);
	assert_int_equal(dec(&p, &later), PT_DECODE_OK);
	assert_int_equal(later.l4_proto, 60);
	assert_true(pt_frag_table_resolve(t, &first, 1));
	assert_true(pt_frag_table_resolve(t, &later, 2));
	assert_int_equal(later.l4_proto, 17);
	assert_int_equal(later.src_port, 1111);
	assert_int_equal(later.dst_port, 2222);
	pt_frag_table_free(t);
}

static void test_icmp_fragments(void **state)
{
	struct pt_frag_table *t = pt_frag_table_create(16);
	struct pt_decoded first, later;
	struct pkt p;

	(void)state;
	pk_init(&p);
	pk_eth(&p, 0x0800);
	pk_ipv4_ex(&p, 1, "10.0.0.1", "10.0.0.2", 0, 0x2000, 55);
	pk_icmp(&p, 8, 0);
	pk_payload(&p, 1472);
	pk_finish(&p);
	assert_int_equal(dec(&p, &first), PT_DECODE_OK);
	pk_init(&p);
	pk_eth(&p, 0x0800);
	pk_ipv4_ex(&p, 1, "10.0.0.1", "10.0.0.2", 0, 185, 55);
	pk_payload(&p, 100);
	pk_finish(&p);
	assert_int_equal(dec(&p, &later), PT_DECODE_OK);
	assert_true(pt_frag_table_resolve(t, &first, 1));
	assert_true(pt_frag_table_resolve(t, &later, 1));
	assert_int_equal(later.icmp_type, 8);
	assert_int_equal(later.src_port, 0);
	pt_frag_table_free(t);
}

/* One slot: the second first fragment overwrites the first one's entry. */
static void test_collision_overwrites(void **state)
{
	struct pt_frag_table *t = pt_frag_table_create(1);
	struct pt_decoded a_first, b_first, a_later, b_later;

	(void)state;
	assert_non_null(t);
	decode_sample(sample_ipv4_frag_first, &a_first);
	decode_sample(sample_ipv4_frag_later, &a_later);
	decode_sample(sample_ipv4_frag_first, &b_first);
	decode_sample(sample_ipv4_frag_later, &b_later);
	b_first.frag_id = b_later.frag_id = 0x4343;
	b_first.src_port = 6000;
	assert_true(pt_frag_table_resolve(t, &a_first, 1));
	assert_true(pt_frag_table_resolve(t, &b_first, 2));
	assert_false(pt_frag_table_resolve(t, &a_later, 3));
	assert_true(pt_frag_table_resolve(t, &b_later, 3));
	assert_int_equal(b_later.src_port, 6000);
	pt_frag_table_free(t);
}

/* Many datagrams in a large table: nearly all resolve (direct-mapped, so a few may collide). */
static void test_many(void **state)
{
	struct pt_frag_table *t = pt_frag_table_create(4096);
	struct pt_decoded first, later;
	unsigned int i, ok = 0;

	(void)state;
	decode_sample(sample_ipv4_frag_first, &first);
	decode_sample(sample_ipv4_frag_later, &later);
	for (i = 0; i < 256; i++) {
		first.frag_id = i;
		first.src_port = (uint16_t)(1000 + i);
		assert_true(pt_frag_table_resolve(t, &first, 1));
	}
	for (i = 0; i < 256; i++) {
		later.frag_id = i;
		later.src_port = 0;
		if (pt_frag_table_resolve(t, &later, 2)) {
			assert_int_equal(later.src_port, 1000 + i);
			ok++;
		}
	}
	assert_true(ok >= 230);
	pt_frag_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_free),
		cmocka_unit_test(test_unfragmented_untouched),
		cmocka_unit_test(test_ipv4_first_then_later),
		cmocka_unit_test(test_later_without_first),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_ipv6_exthdr_after_fragment),
		cmocka_unit_test(test_icmp_fragments),
		cmocka_unit_test(test_collision_overwrites),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests_name("decode_frag", tests, NULL, NULL);
}
