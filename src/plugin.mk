# src/plugin.mk - the plugin loader, metrics, AWS host services.
# (Included by Makefile.am.)

noinst_LTLIBRARIES += src/libce_plugin.la
src_libce_plugin_la_SOURCES = \
	src/loader.c src/loader.h \
	src/metrics.c src/metrics.h \
	src/aws.c src/aws.h
src_libce_plugin_la_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(CURL_CFLAGS)
src_libce_plugin_la_LIBADD = src/libce_config.la $(DL_LIBS) $(CURL_LIBS) $(JSONC_LIBS) $(PTHREAD_LIBS)
