/* SPDX-License-Identifier: BSD-3-Clause */
/* test_config.h - Helpers shared by the lib/config unit test files, and the lists of tests in the other files. */
#ifndef PT_TEST_CONFIG_H
#define PT_TEST_CONFIG_H

#include <stddef.h>

#include "pt_config.h"

#define TEST_PATH_LEN 64
#define PT_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/** Write @p text to a temporary file, load it onto @p cfg, remove the file; @p path gets its name. */
int test_load_text(struct pt_config *cfg, const char *text, size_t len, char *err, char path[TEST_PATH_LEN]);

/** Fail unless every schema key has the same value in @p a and @p b. */
void test_assert_keys_equal(const struct pt_config *a, const struct pt_config *b);

/** A YAML text that must fail with "<file>:<line>: <msg>". */
struct yaml_case {
	const char *yaml;
	unsigned int line;
	const char *msg;        /* after "<file>:<line>: " */
};

/** Each case must fail with exactly its message and leave the configuration untouched. */
void test_run_yaml_cases(const struct yaml_case *cases, size_t n);

/** Each "KEY=VALUE" must fail with exactly "--set KEY=VALUE: <msg>" and leave the configuration untouched. */
struct set_case {
	const char *set, *msg;
};
void test_run_set_cases(const struct set_case *cases, size_t n);

/**
 * Fail unless @p list holds exactly the networks of @p want, a space separated list in canonical form
 * ("10.0.0.0/8 ::1/128", "" for none), and is all zero past its count.
 */
void test_assert_cidrs(const struct pt_config_cidrs *list, const char *want);

void test_yaml_errors(void **state);
void test_yaml_range_errors(void **state);
void test_set_errors(void **state);
void test_file_errors(void **state);
void test_suggestions(void **state);
void test_prefixes_of_default_file(void **state);
void test_mutations_of_default_file(void **state);

void test_cidr_forms(void **state);
void test_cidr_yaml_errors(void **state);
void test_cidr_set(void **state);
void test_cidr_limits(void **state);
void test_new_key_ranges(void **state);

#define TEST_CONFIG_LIST_TESTS \
	cmocka_unit_test(test_cidr_forms), \
	cmocka_unit_test(test_cidr_yaml_errors), \
	cmocka_unit_test(test_cidr_set), \
	cmocka_unit_test(test_cidr_limits), \
	cmocka_unit_test(test_new_key_ranges)

#define TEST_CONFIG_ERROR_TESTS \
	cmocka_unit_test(test_yaml_errors), \
	cmocka_unit_test(test_yaml_range_errors), \
	cmocka_unit_test(test_set_errors), \
	cmocka_unit_test(test_file_errors), \
	cmocka_unit_test(test_suggestions), \
	cmocka_unit_test(test_prefixes_of_default_file), \
	cmocka_unit_test(test_mutations_of_default_file)

#endif /* PT_TEST_CONFIG_H */
