# src/plugin.mk - the plugin loader, metrics, AWS host services.
# (Included by Makefile.am.)

noinst_LTLIBRARIES += src/libce_plugin.la
src_libce_plugin_la_SOURCES = \
	src/loader.c src/loader.h \
	src/metrics.c src/metrics.h \
	src/aws.c src/aws.h
src_libce_plugin_la_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(CURL_CFLAGS)
src_libce_plugin_la_LIBADD = src/libce_config.la $(DL_LIBS) $(CURL_LIBS) $(JSONC_LIBS) $(PTHREAD_LIBS)

# Test-only plugins: real shared objects, never installed (-rpath makes
# libtool build them shared; nothing is ever installed there).
LOADER_TEST_PLUGINS = \
	tests/plugins/ldr_good.la \
	tests/plugins/ldr_bad_major.la \
	tests/plugins/ldr_newer_minor.la \
	tests/plugins/ldr_truncated.la \
	tests/plugins/ldr_missing_callback.la \
	tests/plugins/ldr_unknown_kind.la \
	tests/plugins/ldr_no_symbol.la \
	tests/plugins/ldr_dup_a.la \
	tests/plugins/ldr_dup_b.la
check_LTLIBRARIES += $(LOADER_TEST_PLUGINS)
LOADER_TEST_PLUGIN_LDFLAGS = $(PLUGIN_LDFLAGS) -rpath /nowhere
noinst_HEADERS += tests/plugins/stubs.h

tests_plugins_ldr_good_la_SOURCES = tests/plugins/ldr_good.c
tests_plugins_ldr_good_la_CFLAGS = $(PLUGIN_CFLAGS)
tests_plugins_ldr_good_la_LDFLAGS = $(LOADER_TEST_PLUGIN_LDFLAGS)
tests_plugins_ldr_bad_major_la_SOURCES = tests/plugins/ldr_bad_major.c
tests_plugins_ldr_bad_major_la_CFLAGS = $(PLUGIN_CFLAGS)
tests_plugins_ldr_bad_major_la_LDFLAGS = $(LOADER_TEST_PLUGIN_LDFLAGS)
tests_plugins_ldr_newer_minor_la_SOURCES = tests/plugins/ldr_newer_minor.c
tests_plugins_ldr_newer_minor_la_CFLAGS = $(PLUGIN_CFLAGS)
tests_plugins_ldr_newer_minor_la_LDFLAGS = $(LOADER_TEST_PLUGIN_LDFLAGS)
tests_plugins_ldr_truncated_la_SOURCES = tests/plugins/ldr_truncated.c
tests_plugins_ldr_truncated_la_CFLAGS = $(PLUGIN_CFLAGS)
tests_plugins_ldr_truncated_la_LDFLAGS = $(LOADER_TEST_PLUGIN_LDFLAGS)
tests_plugins_ldr_missing_callback_la_SOURCES = tests/plugins/ldr_missing_callback.c
tests_plugins_ldr_missing_callback_la_CFLAGS = $(PLUGIN_CFLAGS)
tests_plugins_ldr_missing_callback_la_LDFLAGS = $(LOADER_TEST_PLUGIN_LDFLAGS)
tests_plugins_ldr_unknown_kind_la_SOURCES = tests/plugins/ldr_unknown_kind.c
tests_plugins_ldr_unknown_kind_la_CFLAGS = $(PLUGIN_CFLAGS)
tests_plugins_ldr_unknown_kind_la_LDFLAGS = $(LOADER_TEST_PLUGIN_LDFLAGS)
tests_plugins_ldr_no_symbol_la_SOURCES = tests/plugins/ldr_no_symbol.c
tests_plugins_ldr_no_symbol_la_CFLAGS = $(PLUGIN_CFLAGS)
tests_plugins_ldr_no_symbol_la_LDFLAGS = -module -avoid-version -no-undefined \
	-shared -export-symbols-regex '^not_a_plugin$$' -rpath /nowhere \
	$(AM_LDFLAGS)
tests_plugins_ldr_dup_a_la_SOURCES = tests/plugins/ldr_dup_a.c
tests_plugins_ldr_dup_a_la_CFLAGS = $(PLUGIN_CFLAGS)
tests_plugins_ldr_dup_a_la_LDFLAGS = $(LOADER_TEST_PLUGIN_LDFLAGS)
tests_plugins_ldr_dup_b_la_SOURCES = tests/plugins/ldr_dup_b.c
tests_plugins_ldr_dup_b_la_CFLAGS = $(PLUGIN_CFLAGS)
tests_plugins_ldr_dup_b_la_LDFLAGS = $(LOADER_TEST_PLUGIN_LDFLAGS)

if HAVE_CUNIT
# Loader refusals, from real .so files and from in-memory descriptors
# broken one member at a time; precedence; exported symbols.
check_PROGRAMS += tests/unit/test_loader
TESTS += tests/unit/test_loader
tests_unit_test_loader_SOURCES = tests/unit/test_loader.c
tests_unit_test_loader_CFLAGS = $(CUNIT_TEST_CFLAGS)
tests_unit_test_loader_LDADD = tests/unit/libcetest.la src/libce_plugin.la \
	$(CUNIT_TEST_LIBS) $(DL_LIBS)
EXTRA_tests_unit_test_loader_DEPENDENCIES = $(LOADER_TEST_PLUGINS)

# Counters and gauges: names, atomics under threads, report, free.
check_PROGRAMS += tests/unit/test_metrics
TESTS += tests/unit/test_metrics
tests_unit_test_metrics_SOURCES = tests/unit/test_metrics.c
tests_unit_test_metrics_CFLAGS = $(CUNIT_TEST_CFLAGS)
tests_unit_test_metrics_LDADD = tests/unit/libcetest.la src/libce_plugin.la \
	$(CUNIT_TEST_LIBS) $(PTHREAD_LIBS)

# The credential chain, region, endpoints, S3 streaming and the Lambda
# init error, against HTTP servers on 127.0.0.1 inside the test.
check_PROGRAMS += tests/unit/test_aws
TESTS += tests/unit/test_aws
tests_unit_test_aws_SOURCES = tests/unit/test_aws.c
tests_unit_test_aws_CFLAGS = $(CUNIT_TEST_CFLAGS) $(CURL_CFLAGS)
tests_unit_test_aws_LDADD = tests/unit/libcetest.la src/libce_plugin.la \
	$(CUNIT_TEST_LIBS) $(JSONC_LIBS) $(PTHREAD_LIBS)
endif
