/*
 * options.h - option tables inside the core (private to the config area):
 * checking the members of a libconfig group against a table and turning
 * them into typed values.
 */
#ifndef CE_OPTIONS_H
#define CE_OPTIONS_H

#include <libconfig.h>

#include "config.h"

/*
 * How values are checked and how problems are worded.  A problem is
 * reported as "FILE:LINE: error: <noun> '<prefix><key>' of <owner> ...",
 * e.g. "option 'paths' of input 'examples' must be a list of strings,
 * found an integer" or "setting 'retry.max_attempts' must be between 1
 * and 1000, found 0".
 */
struct ce_optctx {
	struct ce_diag		*diag;
	const char		*file;		/* the group's file (NULL: none) */
	unsigned		 line;		/* the group's line: missing keys */
	const char		*dir;		/* relative paths resolve here */
	const char		*noun;		/* "setting" or "option" */
	const char		*prefix;	/* "retry." or "" */
	const char		*owner;		/* "input 'examples'" or NULL */
	const char		*valid;		/* "valid settings", "valid keys
						 * for plugin 'file'" */
	const char		*plugin;	/* the table's plugin, or NULL for
						 * the core's own tables */
	const char *const	*reserved;	/* other keys the group may hold
						 * (NULL-terminated), or NULL */
	int			 check_unknown;	/* keys in neither list are errors */
	unsigned		 errors;	/* incremented for each error */
};

/*
 * Check group's members against table (group may be NULL: defaults
 * only), take the command-line overrides held by prev (may be NULL), and
 * return the values in *out.  Every problem is reported; returns 0,
 * -EINVAL (something was reported) or -ENOMEM.
 */
int	ce_optvals_bind(const struct ce_option *table,
	    const config_setting_t *group, const struct ce_optvals *prev,
	    struct ce_optctx *ctx, struct ce_optvals **out);

/* Move the overrides of *from to to (after a successful bind). */
void	ce_optvals_take_overrides(struct ce_optvals *to, struct ce_optvals *from);

/* Record an override of key in *vals (allocated when NULL). */
int	ce_optvals_override(struct ce_optvals **vals, const char *key,
	    const char *const *values, size_t n);

/* "an integer", "a group { }", ... for messages. */
const char *ce_conf_type_name(const config_setting_t *s);

#endif /* CE_OPTIONS_H */
