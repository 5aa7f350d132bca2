# plugins/plugins.mk - the plugins shipped with the core: file input and
# stdout output.  (Included by Makefile.am.)

plugin_LTLIBRARIES += plugins/in_file.la plugins/out_stdout.la

plugins_in_file_la_SOURCES = plugins/in_file.c
plugins_in_file_la_CFLAGS = $(PLUGIN_CFLAGS)
plugins_in_file_la_LDFLAGS = $(PLUGIN_LDFLAGS)

plugins_out_stdout_la_SOURCES = plugins/out_stdout.c
plugins_out_stdout_la_CFLAGS = $(PLUGIN_CFLAGS)
plugins_out_stdout_la_LDFLAGS = $(PLUGIN_LDFLAGS)
