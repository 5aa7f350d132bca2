/*
 * ldr_newer_minor.c - a plugin built for a newer minor than this host
 * speaks, for the loader tests.
 */
#include "stubs.h"

CE_PLUGIN_EXPORT const struct ce_plugin cloudengine_plugin = {
	.abi_major = CE_PLUGIN_ABI_MAJOR,
	.abi_minor = CE_PLUGIN_ABI_MINOR + 1,
	.size = sizeof(struct ce_plugin),
	.kind = CE_KIND_OUTPUT,
	.name = "ldr_newer_minor",
	.init = stub_init,
	.destroy = stub_destroy,
	.deliver = stub_deliver,
};
