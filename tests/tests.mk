# tests/tests.mk - shared test helpers; each area's tests are listed in
# that area's fragment.  (Included by Makefile.am.)

if HAVE_CUNIT
check_LTLIBRARIES += tests/unit/libcetest.la
tests_unit_libcetest_la_SOURCES = tests/unit/ce_test.c tests/unit/ce_test.h
tests_unit_libcetest_la_CFLAGS = $(AM_CFLAGS) $(CUNIT_CFLAGS)
tests_unit_libcetest_la_LIBADD = $(CUNIT_LIBS)
endif

EXTRA_DIST += tests/data

# Test-only plugins that drive the delivery contract from outside (kept
# apart from tests/plugins/, whose broken plugins a scan would refuse).
check_LTLIBRARIES += tests/contract/in_script.la tests/contract/out_script.la \
	tests/contract/ev_script.la
tests_contract_in_script_la_SOURCES = tests/contract/in_script.c
tests_contract_in_script_la_CFLAGS = $(PLUGIN_CFLAGS)
tests_contract_in_script_la_LDFLAGS = $(PLUGIN_LDFLAGS) -rpath /nowhere
tests_contract_in_script_la_LIBADD = $(PTHREAD_LIBS)
tests_contract_out_script_la_SOURCES = tests/contract/out_script.c
tests_contract_out_script_la_CFLAGS = $(PLUGIN_CFLAGS)
tests_contract_out_script_la_LDFLAGS = $(PLUGIN_LDFLAGS) -rpath /nowhere
tests_contract_out_script_la_LIBADD = $(PTHREAD_LIBS)
tests_contract_ev_script_la_SOURCES = tests/contract/ev_script.c
tests_contract_ev_script_la_CFLAGS = $(PLUGIN_CFLAGS)
tests_contract_ev_script_la_LDFLAGS = $(PLUGIN_LDFLAGS) -rpath /nowhere
check_LTLIBRARIES += tests/contract/bogus/not_a_plugin.la
tests_contract_bogus_not_a_plugin_la_SOURCES = tests/contract/bogus/not_a_plugin.c
tests_contract_bogus_not_a_plugin_la_LDFLAGS = -module -avoid-version -no-undefined -shared -rpath /nowhere

# Integration tests: the cloudengine program driven from outside.
CLI_TESTS = \
	tests/cli/delivery.sh \
	tests/cli/reload.sh \
	tests/cli/bad_input.sh \
	tests/cli/flatten_corpus.sh \
	tests/cli/test_cmd.sh \
	tests/cli/large_file.sh \
	tests/cli/run_example.sh \
	tests/cli/lambda_init_error.sh
TESTS += $(CLI_TESTS)
EXTRA_DIST += $(CLI_TESTS) tests/cli/lib.sh tests/cli/rss.py tests/cli/runtime_api.py
