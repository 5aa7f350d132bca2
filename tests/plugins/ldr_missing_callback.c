/*
 * ldr_missing_callback.c - an output without deliver(), for the loader
 * tests.
 */
#include "stubs.h"

CE_PLUGIN_EXPORT const struct ce_plugin cloudengine_plugin = {
	CE_PLUGIN_HEADER,
	.kind = CE_KIND_OUTPUT,
	.name = "ldr_missing_callback",
	.init = stub_init,
	.destroy = stub_destroy,
};
