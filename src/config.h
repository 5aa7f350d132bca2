/*
 * config.h - the libconfig file that wires everything: global settings,
 * plugin directories, input instances, the evaluator, named outputs; and
 * the checking of each instance's keys against its plugin's option table.
 */
#ifndef CE_CONFIG_H
#define CE_CONFIG_H

#include <stdint.h>
#include <stdio.h>

#include "cloudengine/plugin.h"
#include "diag.h"
#include "document.h"
#include "log.h"

struct ce_optvals;	/* parsed option values of one instance (options.c) */

struct ce_conf_instance {
	enum ce_plugin_kind	 kind;
	char			*plugin;	/* "plugin" key: the plugin's name */
	char			*name;		/* "name" key; default: the plugin name */
	char		       **aliases;	/* outputs: "aliases", NULL-terminated
						 * (never NULL) */
	char			*min_severity;	/* outputs: "min_severity", NULL = all */
	char			*file;		/* config file, for messages (NULL
						 * for an instance added in code) */
	unsigned		 line;		/* line of the instance's group */
	void			*setting;	/* config_setting_t * (config.c only) */
	struct ce_optvals	*values;	/* set by ce_config_bind() */
	struct ce_conf_instance	*next;
};

struct ce_retry_conf {
	unsigned	max_attempts;		/* default 8 */
	int64_t		max_time_ms;		/* default 300000 */
	int64_t		base_delay_ms;		/* default 200 */
	int64_t		max_delay_ms;		/* default 30000 */
};

struct ce_config {
	char			*path;		/* as given */
	char			*dir;		/* its directory, absolute */
	char		       **plugin_dirs;	/* absolute, NULL-terminated, never
						 * NULL; the built-in directory
						 * is not in it: search it last */
	enum ce_log_level	 log_level;	/* default info */
	enum ce_log_format	 log_format;	/* default text */
	unsigned		 workers;	/* default: number of CPUs, 1..64 */
	unsigned		 queue_size;	/* documents in flight; default 64 */
	unsigned		 max_inflight;	/* deliveries per output; default 64 */
	struct ce_retry_conf	 retry;
	char			*dead_letter;	/* absolute path or NULL */
	unsigned		 dedup_entries;	/* delivered (key, output) memory; default 65536 */
	struct ce_doc_limits	 limits;
	struct ce_conf_instance	*inputs;
	struct ce_conf_instance	*evaluator;	/* at most one */
	struct ce_conf_instance	*outputs;
	void			*cfg;		/* config_t * (config.c only) */
};

/*
 * Parse and check the file's structure and global settings.  Every problem
 * goes to diag as "FILE:LINE: error: ..."; returns 0 or -EINVAL / -ENOENT /
 * -ENOMEM (or another -errno when the file cannot be read).  On failure
 * *out is NULL.  The format is described in docs/configuration.md.
 */
int	ce_config_load(const char *path, struct ce_config **out,
	    struct ce_diag *diag);
/* A configuration without a file (flatten, test --rules): defaults only. */
int	ce_config_empty(struct ce_config **out);
void	ce_config_free(struct ce_config *cfg);

/* "input", "evaluator", "output" ("unknown" for any other value). */
const char *ce_plugin_kind_name(enum ce_plugin_kind kind);

/*
 * Append an instance that no file configured (`test --rules` without a
 * configuration adds the drl evaluator and a stdout output).  name NULL
 * means the plugin's name.  It has no keys: binding gives it the plugin's
 * defaults and any overrides.  NULL on -ENOMEM, or for a second evaluator.
 */
struct ce_conf_instance *ce_config_add_instance(struct ce_config *cfg,
	    enum ce_plugin_kind kind, const char *plugin, const char *name);

/*
 * Replace an instance's option before binding (`test --rules DIR`):
 * values are taken as given on the command line (relative paths resolve
 * against the current directory).
 */
int	ce_config_override(struct ce_conf_instance *inst, const char *key,
	    const char *const *values, size_t n);

/*
 * Check inst's keys against desc->options (unknown key → error listing
 * the valid keys; wrong type; missing required; enum choice; integer
 * bounds; ${VAR}), parse them into inst->values.  Errors carry file:line.
 */
int	ce_config_bind(struct ce_config *cfg, struct ce_conf_instance *inst,
	    const struct ce_plugin *desc, struct ce_diag *diag);

/*
 * Fill a plugin's conf struct from bound values (host->conf_apply), with
 * the same table they were bound with.  An ENUM that is unset and has no
 * default is written as -1; an unset STRING_LIST as { 0, items } where
 * items holds just NULL (lists are always NULL-terminated too).
 */
int	ce_options_apply(const struct ce_option *table,
	    const struct ce_optvals *vals, void *conf);
/* Non-zero when two bound value sets differ (SIGHUP reload). */
int	ce_optvals_differ(const struct ce_optvals *a, const struct ce_optvals *b);
void	ce_optvals_free(struct ce_optvals *vals);
/* Write bound values as "key = value;" lines; secrets as <secret>. */
void	ce_optvals_dump(const struct ce_optvals *vals, FILE *fp);

/* List a table for `cloudengine plugins NAME`: name, type (bounds,
 * choices), required or default (hidden for secrets), help. */
void	ce_options_describe(const struct ce_option *table, FILE *fp);

#endif /* CE_CONFIG_H */
