/*
 * ldr_truncated.c - a descriptor shorter than the 0.1 layout (as if built
 * against a mangled header), for the loader tests.
 */
#include "cloudengine/plugin.h"

struct ldr_short_plugin {
	uint16_t		 abi_major;
	uint16_t		 abi_minor;
	uint32_t		 size;
	enum ce_plugin_kind	 kind;
	const char		*name;
};

CE_PLUGIN_EXPORT const struct ldr_short_plugin cloudengine_plugin = {
	.abi_major = CE_PLUGIN_ABI_MAJOR,
	.abi_minor = CE_PLUGIN_ABI_MINOR,
	.size = sizeof(struct ldr_short_plugin),
	.kind = CE_KIND_OUTPUT,
	.name = "ldr_truncated",
};
