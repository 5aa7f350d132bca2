# src/event.mk - the event model: buffers, JSON writing, flattening,
# compiled paths, events.  (Included by Makefile.am.)

noinst_LTLIBRARIES += src/libce_event.la
src_libce_event_la_SOURCES = \
	src/buf.c src/buf.h \
	src/flatten.c src/flatten.h \
	src/path.c src/path.h \
	src/event.c src/event.h
src_libce_event_la_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
src_libce_event_la_LIBADD = $(JSONC_LIBS) $(PTHREAD_LIBS)
