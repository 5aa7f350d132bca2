# tests/sdk/sdk.mk - the plugin SDK: the plugin guide's manual page, the
# example plugins (examples/plugins/) built in-tree with the project's
# warnings, the ABI compatibility plugins (tests/abi/, against the frozen
# 1.0 header), and their tests.  (Included by Makefile.am.)

dist_man_MANS += docs/cloudengine-plugin.7

# The guide and the example plugins' sources are installed with the
# documentation: third parties need no source tree.
sdkdocdir = $(docdir)
dist_sdkdoc_DATA = docs/plugin-guide.md
sdkexamplesdir = $(docdir)/examples/plugins
dist_sdkexamples_DATA = examples/plugins/README.md
sdkwebhookdir = $(docdir)/examples/plugins/webhook
dist_sdkwebhook_DATA = examples/plugins/webhook/README.md \
	examples/plugins/webhook/Makefile examples/plugins/webhook/webhook.c
sdkspooldir = $(docdir)/examples/plugins/minimal_input
dist_sdkspool_DATA = examples/plugins/minimal_input/Makefile \
	examples/plugins/minimal_input/spool.c

# The examples are built out of tree, against the installed SDK, by
# tests/sdk/installcheck.sh; here they are also built with the project's
# warnings and sanitizers (through one-line wrappers, so that no object
# lands in examples/) for the golden `plugins` output.
check_LTLIBRARIES += tests/sdk/out_webhook.la tests/sdk/in_spool.la
SDK_PLUGIN_LDFLAGS = $(PLUGIN_LDFLAGS) -rpath /nowhere
tests_sdk_out_webhook_la_SOURCES = tests/sdk/ex_webhook.c
tests_sdk_out_webhook_la_CPPFLAGS = $(AM_CPPFLAGS) \
	-I$(top_srcdir)/examples/plugins/webhook
tests_sdk_out_webhook_la_CFLAGS = $(PLUGIN_CFLAGS) $(CURL_CFLAGS)
tests_sdk_out_webhook_la_LDFLAGS = $(SDK_PLUGIN_LDFLAGS)
tests_sdk_out_webhook_la_LIBADD = $(CURL_LIBS)
tests_sdk_in_spool_la_SOURCES = tests/sdk/ex_spool.c
tests_sdk_in_spool_la_CPPFLAGS = $(AM_CPPFLAGS) \
	-I$(top_srcdir)/examples/plugins/minimal_input
tests_sdk_in_spool_la_CFLAGS = $(PLUGIN_CFLAGS)
tests_sdk_in_spool_la_LDFLAGS = $(SDK_PLUGIN_LDFLAGS)
tests_sdk_in_spool_la_LIBADD = $(PTHREAD_LIBS)

# Plugins compiled against the frozen copy of the 1.0 header and nothing
# else (their CPPFLAGS replace AM_CPPFLAGS, so include/ is not searched).
ABI_FROZEN_CPPFLAGS = -I$(top_srcdir)/tests/abi
check_LTLIBRARIES += tests/abi/abi_in.la tests/abi/abi_eval.la \
	tests/abi/abi_out.la
tests_abi_abi_in_la_SOURCES = tests/abi/abi_in.c
tests_abi_abi_in_la_CPPFLAGS = $(ABI_FROZEN_CPPFLAGS)
tests_abi_abi_in_la_CFLAGS = $(PLUGIN_CFLAGS)
tests_abi_abi_in_la_LDFLAGS = $(SDK_PLUGIN_LDFLAGS)
tests_abi_abi_in_la_LIBADD = $(PTHREAD_LIBS)
tests_abi_abi_eval_la_SOURCES = tests/abi/abi_eval.c
tests_abi_abi_eval_la_CPPFLAGS = $(ABI_FROZEN_CPPFLAGS)
tests_abi_abi_eval_la_CFLAGS = $(PLUGIN_CFLAGS)
tests_abi_abi_eval_la_LDFLAGS = $(SDK_PLUGIN_LDFLAGS)
tests_abi_abi_out_la_SOURCES = tests/abi/abi_out.c
tests_abi_abi_out_la_CPPFLAGS = $(ABI_FROZEN_CPPFLAGS)
tests_abi_abi_out_la_CFLAGS = $(PLUGIN_CFLAGS)
tests_abi_abi_out_la_LDFLAGS = $(SDK_PLUGIN_LDFLAGS)

# Plugins the loader must refuse, built against the current header so
# that "newer" and "other" stay relative to the host under test.
check_LTLIBRARIES += tests/abi/refused/abi_newer_minor.la \
	tests/abi/refused/abi_next_major.la \
	tests/abi/refused/abi_old_major.la \
	tests/abi/refused/abi_unknown_kind.la
tests_abi_refused_abi_newer_minor_la_SOURCES = tests/abi/refused/abi_newer_minor.c
tests_abi_refused_abi_newer_minor_la_CFLAGS = $(PLUGIN_CFLAGS)
tests_abi_refused_abi_newer_minor_la_LDFLAGS = $(SDK_PLUGIN_LDFLAGS)
tests_abi_refused_abi_next_major_la_SOURCES = tests/abi/refused/abi_next_major.c
tests_abi_refused_abi_next_major_la_CFLAGS = $(PLUGIN_CFLAGS)
tests_abi_refused_abi_next_major_la_LDFLAGS = $(SDK_PLUGIN_LDFLAGS)
tests_abi_refused_abi_old_major_la_SOURCES = tests/abi/refused/abi_old_major.c
tests_abi_refused_abi_old_major_la_CFLAGS = $(PLUGIN_CFLAGS)
tests_abi_refused_abi_old_major_la_LDFLAGS = $(SDK_PLUGIN_LDFLAGS)
tests_abi_refused_abi_unknown_kind_la_SOURCES = tests/abi/refused/abi_unknown_kind.c
tests_abi_refused_abi_unknown_kind_la_CFLAGS = $(PLUGIN_CFLAGS)
tests_abi_refused_abi_unknown_kind_la_LDFLAGS = $(SDK_PLUGIN_LDFLAGS)
noinst_HEADERS += tests/abi/cloudengine/plugin.h tests/abi/refused/refused.h

# The layout of every member, constant and struct, printed from the
# frozen header and from the current one, for abi_compat.sh to compare.
check_PROGRAMS += tests/abi/layout_frozen tests/abi/layout_current
tests_abi_layout_frozen_SOURCES = tests/abi/layout.c
tests_abi_layout_frozen_CPPFLAGS = $(ABI_FROZEN_CPPFLAGS)
tests_abi_layout_current_SOURCES = tests/abi/layout.c
tests_abi_layout_current_CPPFLAGS = -I$(top_srcdir)/include

SDK_TESTS = \
	tests/sdk/guide_blocks.sh \
	tests/sdk/abi_compat.sh \
	tests/sdk/plugins_golden.sh \
	tests/sdk/plugin_perms.sh \
	tests/sdk/installcheck.sh
TESTS += $(SDK_TESTS)
EXTRA_DIST += $(SDK_TESTS) tests/sdk/golden tests/sdk/guide_extract.py

# The suite loads plugins from build trees, which may be group-writable
# under some umasks: the permission check is off for it, except where
# plugin_perms.sh and installcheck.sh turn it back on.  installcheck.sh
# installs into a staging directory and builds the examples with the
# compiler and flags of this build.
AM_TESTS_ENVIRONMENT += \
	CLOUDENGINE_INSECURE_PLUGINS=1; \
	CE_MAKE='$(MAKE)'; CE_CC='$(CC)'; CE_CFLAGS='$(CFLAGS)'; \
	CE_LDFLAGS='$(LDFLAGS)'; CE_INST_BINDIR='$(bindir)'; \
	CE_INST_PLUGINDIR='$(plugindir)'; \
	CE_INST_PKGCONFIGDIR='$(pkgconfigdir)'; CE_INST_DOCDIR='$(docdir)'; \
	export CLOUDENGINE_INSECURE_PLUGINS CE_MAKE CE_CC CE_CFLAGS \
		CE_LDFLAGS CE_INST_BINDIR CE_INST_PLUGINDIR \
		CE_INST_PKGCONFIGDIR CE_INST_DOCDIR;
