# plugins/outputs.mk - the HTTP outputs (datadog, pagerduty), the common
# library they share (plugins/common: HTTP client, retry policy, JSON
# writer, CloudTrail fields) and their tests.  (Included by
# Makefile.am.)

# Linked whole into each output plugin, compiled with the plugin flags:
# its symbols stay hidden, each .so exports only cloudengine_plugin.
noinst_LTLIBRARIES += plugins/common/liboutcommon.la
plugins_common_liboutcommon_la_SOURCES = \
	plugins/common/fields.c plugins/common/fields.h \
	plugins/common/http.c plugins/common/http.h \
	plugins/common/json.c plugins/common/json.h \
	plugins/common/outcome.c plugins/common/outcome.h
plugins_common_liboutcommon_la_CFLAGS = $(PLUGIN_CFLAGS) $(CURL_CFLAGS)
plugins_common_liboutcommon_la_LIBADD = $(CURL_LIBS)

plugin_LTLIBRARIES += plugins/out_datadog.la plugins/out_pagerduty.la

plugins_out_datadog_la_SOURCES = plugins/out_datadog.c
plugins_out_datadog_la_CFLAGS = $(PLUGIN_CFLAGS) $(CURL_CFLAGS)
plugins_out_datadog_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_out_datadog_la_LIBADD = plugins/common/liboutcommon.la $(CURL_LIBS)

plugins_out_pagerduty_la_SOURCES = plugins/out_pagerduty.c
plugins_out_pagerduty_la_CFLAGS = $(PLUGIN_CFLAGS) $(CURL_CFLAGS)
plugins_out_pagerduty_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_out_pagerduty_la_LIBADD = plugins/common/liboutcommon.la $(CURL_LIBS)

# Against the loopback peer tests/peers/http_peer.py.
OUTPUT_CLI_TESTS = tests/cli/out_datadog.sh tests/cli/out_pagerduty.sh
TESTS += $(OUTPUT_CLI_TESTS)
EXTRA_DIST += $(OUTPUT_CLI_TESTS) tests/cli/outputs_lib.sh tests/cli/outputs_check.py \
	tests/peers/http_peer.py

if HAVE_CUNIT
check_PROGRAMS += tests/unit/test_out_common
TESTS += tests/unit/test_out_common
tests_unit_test_out_common_SOURCES = tests/unit/test_out_common.c
tests_unit_test_out_common_CFLAGS = $(CUNIT_TEST_CFLAGS) $(CURL_CFLAGS) \
	-I$(top_srcdir)/plugins
tests_unit_test_out_common_LDADD = plugins/common/liboutcommon.la \
	tests/unit/libcetest.la $(CUNIT_TEST_LIBS) $(JSONC_LIBS) $(CURL_LIBS)

# The HTTP client against a scripted server on 127.0.0.1, on the fake host
# of plugins/drl/drl.mk.
check_PROGRAMS += tests/unit/test_out_http
TESTS += tests/unit/test_out_http
tests_unit_test_out_http_SOURCES = tests/unit/test_out_http.c
tests_unit_test_out_http_CFLAGS = $(CUNIT_TEST_CFLAGS) $(CURL_CFLAGS) \
	-I$(top_srcdir)/plugins
tests_unit_test_out_http_LDADD = plugins/common/liboutcommon.la \
	tests/unit/libfakehost.la tests/unit/libcetest.la $(CUNIT_TEST_LIBS) \
	$(JSONC_LIBS) $(CURL_LIBS) $(PTHREAD_LIBS)
endif

# All three outputs at once, with the DRL evaluator (needs fauxqs for SNS).
TESTS += tests/cli/outputs_e2e.sh
EXTRA_DIST += tests/cli/outputs_e2e.sh
