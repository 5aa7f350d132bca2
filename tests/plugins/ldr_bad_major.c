/*
 * ldr_bad_major.c - a plugin built for the next ABI major, for the loader
 * tests.
 */
#include "stubs.h"

CE_PLUGIN_EXPORT const struct ce_plugin cloudengine_plugin = {
	.abi_major = CE_PLUGIN_ABI_MAJOR + 1,
	.abi_minor = 0,
	.size = sizeof(struct ce_plugin),
	.kind = CE_KIND_OUTPUT,
	.name = "ldr_bad_major",
	.init = stub_init,
	.destroy = stub_destroy,
	.deliver = stub_deliver,
};
