/*
 * alert.h - an alert as the core keeps it: one fired rule for one event,
 * from the evaluator's fire() until its last delivery settles.  Shared,
 * read-only, by the deliveries of that rule to each output it calls.
 */
#ifndef CE_ALERT_H
#define CE_ALERT_H

#include <stdatomic.h>
#include <stddef.h>

#include "cloudengine/plugin.h"
#include "reap.h"

enum ce_severity {		/* ordered: a higher value is more severe */
	CE_SEV_INFO = 0,
	CE_SEV_LOW,
	CE_SEV_MEDIUM,
	CE_SEV_HIGH,
	CE_SEV_CRITICAL
};

struct ce_alert_data {
	atomic_int		 refs;
	char			*rule;
	enum ce_severity	 severity;
	char			*description;	/* may be NULL */
	char			*runbook;	/* may be NULL */
	char		       **tags;		/* ntags strings */
	size_t			 ntags;
	char		       **outputs;	/* noutputs names the rule calls */
	size_t			 noutputs;
	char			*file;		/* rule location; may be NULL */
	unsigned		 line;
	char			 key[65];	/* idempotency key, hex */
	char			*summary;
	const ce_event		*event;		/* one reference held */
	struct ce_grave		 grave;		/* see reap.h */
};

/* Copy what the evaluator reported; takes a reference to ev.  NULL on
 * allocation failure or when spec->rule is NULL. */
struct ce_alert_data *ce_alert_new(const struct ce_alert_spec *spec,
		    const ce_event *ev);
struct ce_alert_data *ce_alert_ref(struct ce_alert_data *a);
void		 ce_alert_unref(struct ce_alert_data *a);

/* "critical".."info" ↔ enum; -1 for an unknown name. */
int		 ce_severity_parse(const char *name);
const char	*ce_severity_name(enum ce_severity sev);

/*
 * The idempotency key: SHA-256 over a version tag, the record's eventID
 * and the rule name, so it is the same for every redelivery of the same
 * record, across restarts and hosts.  A record without an eventID is
 * keyed by its JSON text instead.
 */
void		 ce_alert_key(const ce_event *ev, const char *rule, char out[65]);
/* One line: who did what, on which service, from where, in which account
 * and region, when (and the error code of a failed call).  malloc'd. */
char		*ce_alert_summary(const ce_event *ev);

#endif /* CE_ALERT_H */
