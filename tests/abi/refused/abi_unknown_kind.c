/*
 * abi_unknown_kind.c - a descriptor of a kind this host does not know
 * (as a later major might add): refused, naming the kinds it knows.
 */
#include "refused.h"

CE_PLUGIN_EXPORT const struct ce_plugin cloudengine_plugin = {
	CE_PLUGIN_HEADER,
	.kind = (enum ce_plugin_kind)4,
	.name = "abi_unknown_kind",
	.version = "1.0.0",
	.init = refused_init,
	.destroy = refused_destroy,
	.deliver = refused_deliver,
};
