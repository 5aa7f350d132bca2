/*
 * metrics.h - counters and gauges behind host->metric_*; reported as one
 * log line per metric at exit and on SIGUSR1.
 */
#ifndef CE_METRICS_H
#define CE_METRICS_H

#include <stdint.h>

#include "cloudengine/plugin.h"

/* Registers cloudengine_<scope>_<name>; scope is e.g. "output_alerts" or
 * "core".  Host-owned; NULL on allocation failure or a bad name. */
ce_metric	*ce_metric_register(const char *scope, const char *name,
		    const char *help);
void		 ce_metric_add(ce_metric *m, int64_t delta);
void		 ce_metric_set(ce_metric *m, int64_t value);
int64_t		 ce_metric_value(const ce_metric *m);
const char	*ce_metric_name(const ce_metric *m);
/* Log every metric at info level (name=value). */
void		 ce_metrics_report(void);
/* Free every metric (at exit, after all instances are destroyed). */
void		 ce_metrics_free_all(void);

#endif /* CE_METRICS_H */
