/*
 * refused.h - callbacks for the plugins the loader must refuse (newer
 * minor, other major, unknown kind): well formed apart from what each
 * claims, never run.  Built against the current header, so that "newer"
 * and "other" stay relative to the host under test.
 */
#ifndef CE_ABI_REFUSED_H
#define CE_ABI_REFUSED_H

#include <stddef.h>

#include "cloudengine/plugin.h"

static inline int
refused_init(ce_instance *self, const struct ce_host *host, void **state)
{
	(void)self;
	(void)host;
	*state = NULL;
	return 0;
}

static inline void
refused_destroy(void *state)
{
	(void)state;
}

static inline void
refused_deliver(void *state, const struct ce_alert *alert, ce_delivery *d)
{
	(void)state;
	(void)alert;
	(void)d;
}

#define REFUSED_OUTPUT							\
	.size = sizeof(struct ce_plugin),				\
	.version = "1.0.0",						\
	.init = refused_init,						\
	.destroy = refused_destroy,					\
	.deliver = refused_deliver

#endif /* CE_ABI_REFUSED_H */
