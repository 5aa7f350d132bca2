/*
 * abi_old_major.c - a plugin built before the ABI was frozen (0.1): its
 * major differs, so it is refused with a request to rebuild it.
 */
#include "refused.h"

CE_PLUGIN_EXPORT const struct ce_plugin cloudengine_plugin = {
	.abi_major = 0,
	.abi_minor = 1,
	.kind = CE_KIND_OUTPUT,
	.name = "abi_old_major",
	REFUSED_OUTPUT,
};
