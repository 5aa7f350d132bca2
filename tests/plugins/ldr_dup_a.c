/*
 * ldr_dup_a.c - declares output "ldr_dup", as ldr_dup_b.c does, for the
 * loader tests.
 */
#include "stubs.h"

CE_PLUGIN_EXPORT const struct ce_plugin cloudengine_plugin = {
	CE_PLUGIN_HEADER,
	.kind = CE_KIND_OUTPUT,
	.name = "ldr_dup",
	.version = "a",
	.init = stub_init,
	.destroy = stub_destroy,
	.deliver = stub_deliver,
};
