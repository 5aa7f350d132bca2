/*
 * fake_host.h - a struct ce_host for plugin unit tests, backed by the real
 * event model (src/event.c), that records what the plugin reports:
 * diagnostics, log lines, fired alerts, metrics.
 */
#ifndef FAKE_HOST_H
#define FAKE_HOST_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "cloudengine/plugin.h"

#define FAKE_MAX_OPTS		16
#define FAKE_MAX_METRICS	16

/* One fire() call, deep-copied. */
struct fake_alert {
	char		*rule;
	char		*severity;	/* NULL when the spec had none */
	char		*description;
	char		*runbook;
	char		**tags;
	size_t		 ntags;
	char		**outputs;
	size_t		 noutputs;
	char		*file;
	unsigned	 line;
};

struct fake_opt {
	const char		*name;
	const char		*value;		/* scalar options */
	const char *const	*items;		/* list options */
	size_t			 nitems;
};

struct fake_metric {
	char		*name;
	int64_t		 value;
};

struct fake_host {
	struct ce_host		 host;		/* handed to init() */
	const struct ce_plugin	*plugin;	/* its options table */
	const char *const	*outputs;	/* output_names(); NULL-terminated */
	struct fake_opt		 opts[FAKE_MAX_OPTS];
	size_t			 nopts;
	int			 fire_rc;	/* fire() returns this */

	pthread_mutex_t		 lock;		/* guards everything below */
	char			**diags;	/* "FILE:LINE:COL: error: MSG" */
	size_t			 ndiags;
	char			**logs;		/* "info: MSG" */
	size_t			 nlogs;
	struct fake_alert	*alerts;
	size_t			 nalerts;
	struct fake_metric	 metrics[FAKE_MAX_METRICS];
	size_t			 nmetrics;
	void			**owned;	/* lists made by conf_apply */
	size_t			 nowned;
};

void	fake_host_init(struct fake_host *fh, const struct ce_plugin *plugin);
void	fake_host_free(struct fake_host *fh);
/* Forget recorded diagnostics, logs and alerts. */
void	fake_host_clear(struct fake_host *fh);

/* Configure an option (strings are borrowed: keep them alive). */
void	fake_host_set(struct fake_host *fh, const char *name, const char *value);
void	fake_host_set_list(struct fake_host *fh, const char *name,
	    const char *const *items, size_t n);

/* The instance handle and alert sink the fake hands out. */
ce_instance	*fake_host_self(struct fake_host *fh);
ce_alert_sink	*fake_host_sink(struct fake_host *fh);

/* Number of recorded fire() calls for rule name. */
size_t	fake_host_fired(struct fake_host *fh, const char *rule);
/* Index of the first fire() for rule, or -1. */
int	fake_host_fired_at(struct fake_host *fh, const char *rule);
/* Non-zero when some diagnostic / log line contains text. */
int	fake_host_has_diag(struct fake_host *fh, const char *text);
int	fake_host_has_log(struct fake_host *fh, const char *text);
int64_t	fake_host_metric(struct fake_host *fh, const char *name);

/* An event from JSON text (a CloudTrail record); NULL if it does not parse.
 * Release it with fake_event_free(). */
const ce_event	*fake_event(const char *json);
void		 fake_event_free(const ce_event *ev);

#endif /* FAKE_HOST_H */
