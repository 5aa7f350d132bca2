# plugins/lambda.mk - the `lambda` input (AWS Lambda custom runtime), its
# tests, and `make lambda-layer`, which builds the Lambda layer zip.
# (Included by Makefile.am.)

# The Runtime API client and the invocation bookkeeping are a convenience
# library: linked whole into the plugin, and into the unit test.
LAMBDA_SOURCES = \
	plugins/lambda_api.c plugins/lambda_api.h \
	plugins/lambda_invocation.c plugins/lambda_invocation.h

noinst_LTLIBRARIES += plugins/liblambda.la
plugins_liblambda_la_SOURCES = $(LAMBDA_SOURCES)
plugins_liblambda_la_CFLAGS = $(PLUGIN_CFLAGS) $(CURL_CFLAGS) $(JSONC_CFLAGS)
plugins_liblambda_la_LIBADD = $(CURL_LIBS) $(JSONC_LIBS)

plugin_LTLIBRARIES += plugins/in_lambda.la
plugins_in_lambda_la_SOURCES = plugins/in_lambda.c
plugins_in_lambda_la_CFLAGS = $(PLUGIN_CFLAGS) $(CURL_CFLAGS)
plugins_in_lambda_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_in_lambda_la_LIBADD = plugins/liblambda.la $(CURL_LIBS) \
	$(JSONC_LIBS) $(PTHREAD_LIBS)

if HAVE_CUNIT
check_PROGRAMS += tests/unit/test_lambda
TESTS += tests/unit/test_lambda
tests_unit_test_lambda_SOURCES = tests/unit/test_lambda.c
tests_unit_test_lambda_CFLAGS = $(CUNIT_TEST_CFLAGS) -I$(top_srcdir)/plugins
tests_unit_test_lambda_LDADD = plugins/liblambda.la tests/unit/libcetest.la \
	$(CUNIT_TEST_LIBS) $(CURL_LIBS) $(JSONC_LIBS)
endif

# Integration tests against a loopback Runtime API (tests/cli/runtime_api.py,
# listed in tests/tests.mk with lambda_init_error.sh).  lambda_layer.sh
# builds the layer (a second tree configured with --prefix=/opt) and reads
# every ELF file in it.
LAMBDA_CLI_TESTS = \
	tests/cli/lambda_events.sh \
	tests/cli/lambda_deadline.sh \
	tests/cli/lambda_layer.sh
TESTS += $(LAMBDA_CLI_TESTS)
EXTRA_DIST += $(LAMBDA_CLI_TESTS) tests/cli/lambda_lib.sh \
	tests/cli/check_layer.py tests/cli/check_answers.py
# ------------------------------------------------------------------
# The layer: bootstrap at the root (→ /opt/bootstrap), the binary, the
# plugins, the shared libraries they need beyond glibc (→ /opt/lib), the
# Lambda configuration and the rules, all built for --prefix=/opt.
# ------------------------------------------------------------------
# (etc/lambda/ ships with the rest of etc/, listed in Makefile.am.)
LAMBDA_LAYER_ZIP = cloudengine-lambda-layer.zip

.PHONY: lambda-layer lambda-layer-clean
lambda-layer:
	$(AM_V_GEN)MAKE='$(MAKE)' $(SHELL) $(srcdir)/etc/lambda/mklayer.sh \
		'$(abs_top_srcdir)' '$(abs_top_builddir)' '$(prefix)' \
		'$(abs_top_builddir)/$(LAMBDA_LAYER_ZIP)'

lambda-layer-clean:
	rm -rf lambda-layer $(LAMBDA_LAYER_ZIP) $(LAMBDA_LAYER_ZIP).tmp
clean-local: lambda-layer-clean
