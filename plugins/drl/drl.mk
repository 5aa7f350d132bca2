# plugins/drl/drl.mk - the DRL-subset evaluator.  (Included by Makefile.am.)

plugin_LTLIBRARIES += plugins/ev_drl.la
plugins_ev_drl_la_SOURCES = plugins/drl/drl.c
plugins_ev_drl_la_CFLAGS = $(PLUGIN_CFLAGS) $(PCRE2_CFLAGS)
plugins_ev_drl_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_ev_drl_la_LIBADD = $(PCRE2_LIBS)
