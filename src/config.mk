# src/config.mk - logging, diagnostics, the libconfig file and option
# tables.  (Included by Makefile.am.)

noinst_LTLIBRARIES += src/libce_config.la
src_libce_config_la_SOURCES = \
	src/log.c src/log.h \
	src/diag.c src/diag.h \
	src/config.c src/config.h \
	src/options.c
src_libce_config_la_CFLAGS = $(AM_CFLAGS) $(LIBCONFIG_CFLAGS)
src_libce_config_la_LIBADD = src/libce_event.la $(LIBCONFIG_LIBS) $(PTHREAD_LIBS)
