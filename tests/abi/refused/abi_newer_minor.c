/*
 * abi_newer_minor.c - a plugin claiming the next minor of this host's
 * plugin ABI, as if built against a newer cloudengine: refused.
 */
#include "refused.h"

CE_PLUGIN_EXPORT const struct ce_plugin cloudengine_plugin = {
	.abi_major = CE_PLUGIN_ABI_MAJOR,
	.abi_minor = CE_PLUGIN_ABI_MINOR + 1,
	.kind = CE_KIND_OUTPUT,
	.name = "abi_newer_minor",
	REFUSED_OUTPUT,
};
