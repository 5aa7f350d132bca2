/*
 * host.h - the table of host services handed to every plugin instance.
 */
#ifndef CE_HOST_H
#define CE_HOST_H

#include "cloudengine/plugin.h"

/* The one struct ce_host of this process; static, never freed. */
const struct ce_host	*ce_host_table(void);

#endif /* CE_HOST_H */
