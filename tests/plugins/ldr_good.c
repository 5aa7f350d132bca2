/*
 * ldr_good.c - a well-formed output plugin with an option table, for the
 * loader tests.
 */
#include <stddef.h>
#include <stdint.h>

#include "stubs.h"

struct ldr_good_conf {
	const char	*url;
	int		 mode;
	int64_t		 retries;
};

static const char *const ldr_good_modes[] = { "fast", "safe", NULL };

static const struct ce_option ldr_good_options[] = {
	{ CE_OPTION_HEADER, .name = "url", .type = CE_OPT_STRING,
	  .flags = CE_OPT_REQUIRED,
	  .offset = offsetof(struct ldr_good_conf, url), .help = "where" },
	{ CE_OPTION_HEADER, .name = "mode", .type = CE_OPT_ENUM, .def = "safe",
	  .choices = ldr_good_modes,
	  .offset = offsetof(struct ldr_good_conf, mode), .help = "how" },
	{ CE_OPTION_HEADER, .name = "retries", .type = CE_OPT_INTEGER,
	  .def = "3", .min = 0, .max = 10,
	  .offset = offsetof(struct ldr_good_conf, retries), .help = "tries" },
	CE_OPTIONS_END
};

CE_PLUGIN_EXPORT const struct ce_plugin cloudengine_plugin = {
	CE_PLUGIN_HEADER,
	.kind = CE_KIND_OUTPUT,
	.name = "ldr_good",
	.version = "1.2.3",
	.description = "loader test: a good output",
	.options = ldr_good_options,
	.init = stub_init,
	.destroy = stub_destroy,
	.deliver = stub_deliver,
};
