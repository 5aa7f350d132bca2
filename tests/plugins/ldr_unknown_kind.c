/*
 * ldr_unknown_kind.c - a plugin of a kind this host does not know, for the
 * loader tests.
 */
#include "stubs.h"

CE_PLUGIN_EXPORT const struct ce_plugin cloudengine_plugin = {
	CE_PLUGIN_HEADER,
	.kind = (enum ce_plugin_kind)9,
	.name = "ldr_unknown_kind",
	.init = stub_init,
	.destroy = stub_destroy,
	.deliver = stub_deliver,
};
