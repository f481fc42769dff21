/* SPDX-License-Identifier: BSD-3-Clause */
/* test_config.h - Helpers shared by the lib/config unit test files, and the list of error tests. */
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

void test_yaml_errors(void **state);
void test_yaml_range_errors(void **state);
void test_set_errors(void **state);
void test_file_errors(void **state);
void test_suggestions(void **state);
void test_prefixes_of_default_file(void **state);
void test_mutations_of_default_file(void **state);

#define TEST_CONFIG_ERROR_TESTS \
	cmocka_unit_test(test_yaml_errors), \
	cmocka_unit_test(test_yaml_range_errors), \
	cmocka_unit_test(test_set_errors), \
	cmocka_unit_test(test_file_errors), \
	cmocka_unit_test(test_suggestions), \
	cmocka_unit_test(test_prefixes_of_default_file), \
	cmocka_unit_test(test_mutations_of_default_file)

#endif /* PT_TEST_CONFIG_H */
