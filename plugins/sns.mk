# plugins/sns.mk - the `sns` output (Amazon SNS Publish), its unit test,
# its integration tests against fauxqs and the botocore SigV4 checker, and
# the test peers' Node packages.  (Included by Makefile.am.)

# Everything but the plugin glue, so the unit test links the same code;
# on top of plugins/common (outputs.mk): HTTP client, UTF-8, fields.
noinst_LTLIBRARIES += plugins/libsns.la
plugins_libsns_la_SOURCES = plugins/sns.h plugins/sns_text.c \
	plugins/sns_message.c plugins/sns_query.c
plugins_libsns_la_CFLAGS = $(PLUGIN_CFLAGS)
plugins_libsns_la_LIBADD = plugins/common/liboutcommon.la

plugin_LTLIBRARIES += plugins/out_sns.la
plugins_out_sns_la_SOURCES = plugins/out_sns.c
plugins_out_sns_la_CFLAGS = $(PLUGIN_CFLAGS) $(CURL_CFLAGS)
plugins_out_sns_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_out_sns_la_LIBADD = plugins/libsns.la $(CURL_LIBS)

if HAVE_CUNIT
check_PROGRAMS += tests/unit/test_sns
TESTS += tests/unit/test_sns
tests_unit_test_sns_SOURCES = tests/unit/test_sns.c
tests_unit_test_sns_CFLAGS = $(CUNIT_TEST_CFLAGS) -I$(top_srcdir)/plugins
tests_unit_test_sns_LDADD = plugins/libsns.la tests/unit/libfakehost.la \
	tests/unit/libcetest.la $(CURL_LIBS) $(JSONC_LIBS) \
	$(CUNIT_TEST_LIBS) $(PTHREAD_LIBS)
endif

# Integration tests: they start fauxqs (npm ci --prefix tests/peers) and
# tests/peers/sigv4_peer.py on 127.0.0.1, and skip without node or the
# installed packages (as under distcheck, which ships no node_modules).
SNS_CLI_TESTS = tests/cli/out_sns.sh tests/cli/out_sns_errors.sh \
	tests/cli/sigv4_peer.sh
TESTS += $(SNS_CLI_TESTS)
EXTRA_DIST += $(SNS_CLI_TESTS) tests/peers/fauxqs.sh \
	tests/peers/sigv4_peer.py tests/peers/package.json \
	tests/peers/package-lock.json
