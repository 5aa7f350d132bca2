/*
 * abi_next_major.c - a plugin claiming the next major of the plugin ABI:
 * refused, whatever its minor.
 */
#include "refused.h"

CE_PLUGIN_EXPORT const struct ce_plugin cloudengine_plugin = {
	.abi_major = CE_PLUGIN_ABI_MAJOR + 1,
	.abi_minor = 0,
	.kind = CE_KIND_OUTPUT,
	.name = "abi_next_major",
	REFUSED_OUTPUT,
};
