# plugins/sqs.mk - the `sqs` input (a long-polling SQS consumer for a
# daemon), its unit test, its integration tests against fauxqs (SQS and
# the S3 path for CloudTrail log files) and the botocore SigV4 checker,
# and its systemd unit and example configuration.  (Included by
# Makefile.am.)

# Protocol, HTTP client and ledger: linked whole into the plugin, and into
# the unit test.
SQS_SOURCES = plugins/sqs.h plugins/sqs_proto.c plugins/sqs_client.c \
	plugins/sqs_ledger.c

noinst_LTLIBRARIES += plugins/libsqs.la
plugins_libsqs_la_SOURCES = $(SQS_SOURCES)
plugins_libsqs_la_CFLAGS = $(PLUGIN_CFLAGS) $(CURL_CFLAGS) $(JSONC_CFLAGS)
plugins_libsqs_la_LIBADD = $(CURL_LIBS) $(JSONC_LIBS) $(PTHREAD_LIBS)

plugin_LTLIBRARIES += plugins/in_sqs.la
plugins_in_sqs_la_SOURCES = plugins/in_sqs.c
plugins_in_sqs_la_CFLAGS = $(PLUGIN_CFLAGS)
plugins_in_sqs_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_in_sqs_la_LIBADD = plugins/libsqs.la $(CURL_LIBS) $(JSONC_LIBS) \
	$(PTHREAD_LIBS)

if HAVE_CUNIT
check_PROGRAMS += tests/unit/test_sqs
TESTS += tests/unit/test_sqs
tests_unit_test_sqs_SOURCES = tests/unit/test_sqs.c
tests_unit_test_sqs_CFLAGS = $(CUNIT_TEST_CFLAGS) -I$(top_srcdir)/plugins
tests_unit_test_sqs_LDADD = plugins/libsqs.la tests/unit/libcetest.la \
	$(CUNIT_TEST_LIBS) $(CURL_LIBS) $(JSONC_LIBS) $(PTHREAD_LIBS)
endif

# Integration tests: fauxqs (npm ci --prefix tests/peers) and
# tests/peers/sigv4_peer.py on 127.0.0.1; skipped (77) without node, the
# installed packages, or python3 with botocore.  sqs_lib.sh is sourced.
SQS_CLI_TESTS = \
	tests/cli/sqs_messages.sh \
	tests/cli/sqs_failures.sh \
	tests/cli/sqs_slow.sh \
	tests/cli/sqs_shutdown.sh \
	tests/cli/sqs_kill.sh \
	tests/cli/sqs_sigv4.sh \
	tests/cli/s3_logs.sh
TESTS += $(SQS_CLI_TESTS)
# (bench/sqs.sh, etc/sqs.conf.example and etc/cloudengine.service ship
# with bench/ and etc/, listed whole in Makefile.am.)
EXTRA_DIST += $(SQS_CLI_TESTS) tests/cli/sqs_lib.sh
