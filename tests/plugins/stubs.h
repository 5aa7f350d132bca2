/*
 * stubs.h - do-nothing callbacks shared by the loader's test plugins, which
 * only need to be well or badly formed, never run (inline: a plugin that
 * leaves one out must not warn).
 */
#ifndef CE_TEST_PLUGIN_STUBS_H
#define CE_TEST_PLUGIN_STUBS_H

#include <stddef.h>

#include "cloudengine/plugin.h"

static inline int
stub_init(ce_instance *self, const struct ce_host *host, void **state)
{
	(void)self;
	(void)host;
	*state = NULL;
	return 0;
}

static inline void
stub_destroy(void *state)
{
	(void)state;
}

static inline void
stub_deliver(void *state, const struct ce_alert *alert, ce_delivery *d)
{
	(void)state;
	(void)alert;
	(void)d;
}

#endif /* CE_TEST_PLUGIN_STUBS_H */
