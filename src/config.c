/*
 * config.c - the configuration file: reading it with libconfig, the
 * global settings, the input / evaluator / output instances and their
 * names, and binding each instance's keys to its plugin's option table.
 */
#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "options.h"

/* Longest instance name or alias. */
#define NAME_MAX_LEN	64

/* What the core's own tables write (struct ce_config has other types). */
struct globals {
	struct ce_strlist	 plugin_dirs;
	int			 log_level;	/* index into level_choices */
	int			 log_format;
	int64_t			 workers;	/* 0 = not set: number of CPUs */
	int64_t			 queue_size;
	int64_t			 max_inflight;
	int64_t			 dedup_entries;
	const char		*dead_letter;
};

struct retry_values {
	int64_t	max_attempts, max_time_ms, base_delay_ms, max_delay_ms;
};

struct limits_values {
	int64_t	max_record_bytes, max_depth, max_gzip_ratio, max_flat_bytes;
};

struct instance_keys {
	const char		*plugin;
	const char		*name;
	struct ce_strlist	 aliases;
	int			 min_severity;	/* -1 = not set */
};

/* The same names, in the same order, as enum ce_log_level from 3. */
static const char *const level_choices[] = {
	"error", "warning", "notice", "info", "debug", NULL
};
static const char *const format_choices[] = { "text", "json", NULL };
static const char *const severity_choices[] = {
	"critical", "high", "medium", "low", "info", NULL
};

#define G(m)	offsetof(struct globals, m)
static const struct ce_option global_options[] = {
	{ CE_OPTION_HEADER, .name = "plugin_dirs", .type = CE_OPT_STRING_LIST,
	  .flags = CE_OPT_PATH, .offset = G(plugin_dirs),
	  .help = "directories searched for plugins before the built-in one" },
	{ CE_OPTION_HEADER, .name = "log_level", .type = CE_OPT_ENUM,
	  .def = "info", .offset = G(log_level), .choices = level_choices,
	  .help = "least severe level logged" },
	{ CE_OPTION_HEADER, .name = "log_format", .type = CE_OPT_ENUM,
	  .def = "text", .offset = G(log_format), .choices = format_choices,
	  .help = "text lines, or one JSON object per line" },
	{ CE_OPTION_HEADER, .name = "workers", .type = CE_OPT_INTEGER,
	  .offset = G(workers), .min = 1, .max = 64,
	  .help = "threads evaluating records; default: number of CPUs" },
	{ CE_OPTION_HEADER, .name = "queue_size", .type = CE_OPT_INTEGER,
	  .def = "64", .offset = G(queue_size), .min = 1, .max = 65536,
	  .help = "documents in flight before inputs are held back" },
	{ CE_OPTION_HEADER, .name = "max_inflight", .type = CE_OPT_INTEGER,
	  .def = "64", .offset = G(max_inflight), .min = 1, .max = 65536,
	  .help = "deliveries in flight per output" },
	{ CE_OPTION_HEADER, .name = "dedup_entries", .type = CE_OPT_INTEGER,
	  .def = "65536", .offset = G(dedup_entries), .min = 0,
	  .max = 16777216,
	  .help = "delivered (alert, output) pairs remembered; 0 = none" },
	{ CE_OPTION_HEADER, .name = "dead_letter", .type = CE_OPT_STRING,
	  .flags = CE_OPT_PATH, .offset = G(dead_letter),
	  .help = "file that alerts which could not be delivered are "
	  "appended to" },
	CE_OPTIONS_END
};
#undef G

#define R(m)	offsetof(struct retry_values, m)
static const struct ce_option retry_options[] = {
	{ CE_OPTION_HEADER, .name = "max_attempts", .type = CE_OPT_INTEGER,
	  .def = "8", .offset = R(max_attempts), .min = 1, .max = 1000,
	  .help = "deliveries tried per alert and output, the first included" },
	{ CE_OPTION_HEADER, .name = "max_time_ms", .type = CE_OPT_INTEGER,
	  .def = "300000", .offset = R(max_time_ms), .min = 1,
	  .max = 86400000, .help = "time after which an alert is not retried" },
	{ CE_OPTION_HEADER, .name = "base_delay_ms", .type = CE_OPT_INTEGER,
	  .def = "200", .offset = R(base_delay_ms), .min = 1,
	  .max = 3600000, .help = "delay before the first retry; doubles" },
	{ CE_OPTION_HEADER, .name = "max_delay_ms", .type = CE_OPT_INTEGER,
	  .def = "30000", .offset = R(max_delay_ms), .min = 1,
	  .max = 3600000, .help = "longest delay between two attempts" },
	CE_OPTIONS_END
};
#undef R

#define L(m)	offsetof(struct limits_values, m)
static const struct ce_option limits_options[] = {
	{ CE_OPTION_HEADER, .name = "max_record_bytes", .type = CE_OPT_INTEGER,
	  .def = "8388608", .offset = L(max_record_bytes), .min = 1024,
	  .max = 1073741824, .help = "longest JSON text (line, record)" },
	{ CE_OPTION_HEADER, .name = "max_depth", .type = CE_OPT_INTEGER,
	  .def = "64", .offset = L(max_depth), .min = 1, .max = 1000,
	  .help = "deepest JSON nesting" },
	{ CE_OPTION_HEADER, .name = "max_gzip_ratio", .type = CE_OPT_INTEGER,
	  .def = "1000", .offset = L(max_gzip_ratio), .min = 1,
	  .max = 1000000, .help = "largest inflated/compressed size ratio" },
	{ CE_OPTION_HEADER, .name = "max_flat_bytes", .type = CE_OPT_INTEGER,
	  .def = "67108864", .offset = L(max_flat_bytes), .min = 1048576,
	  .max = 1073741824,
	  .help = "largest total size of one record's flattened keys" },
	CE_OPTIONS_END
};
#undef L

#define K(m)	offsetof(struct instance_keys, m)
#define PLUGIN_KEY							\
	{ CE_OPTION_HEADER, .name = "plugin", .type = CE_OPT_STRING,	\
	  .flags = CE_OPT_REQUIRED, .offset = K(plugin),		\
	  .help = "the plugin to run, e.g. \"file\"" }
#define NAME_KEY							\
	{ CE_OPTION_HEADER, .name = "name", .type = CE_OPT_STRING,	\
	  .offset = K(name), .help = "the instance's name" }
static const struct ce_option instance_options[] = {
	PLUGIN_KEY, NAME_KEY, CE_OPTIONS_END
};
static const struct ce_option output_options[] = {
	PLUGIN_KEY, NAME_KEY,
	{ CE_OPTION_HEADER, .name = "aliases", .type = CE_OPT_STRING_LIST,
	  .offset = K(aliases), .help = "other names rules call it by" },
	{ CE_OPTION_HEADER, .name = "min_severity", .type = CE_OPT_ENUM,
	  .offset = K(min_severity), .choices = severity_choices,
	  .help = "least severe alert delivered" },
	CE_OPTIONS_END
};
#undef K

static const char *const root_groups[] = {
	"inputs", "evaluator", "outputs", "retry", "limits", NULL
};
static const char *const instance_keys[] = { "plugin", "name", NULL };
static const char *const output_keys[] = {
	"plugin", "name", "aliases", "min_severity", NULL
};

/* State of one ce_config_load(). */
struct loader {
	struct ce_config	*cfg;
	config_t		*lc;
	struct ce_diag		*diag;
	const char		*file;		/* the main file, as given */
	unsigned		 errors;
};

static void report(struct loader *ld, const char *file, unsigned line,
    const char *fmt, ...) CE_PRINTF(4, 5);

static void
report(struct loader *ld, const char *file, unsigned line,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ce_diag_addv(ld->diag, CE_LOG_ERROR, file, line, 0, fmt, ap);
	va_end(ap);
	ld->errors++;
}

const char *
ce_plugin_kind_name(enum ce_plugin_kind kind)
{
	switch (kind) {
	case CE_KIND_INPUT:
		return "input";
	case CE_KIND_EVALUATOR:
		return "evaluator";
	case CE_KIND_OUTPUT:
		return "output";
	}
	return "unknown";
}

static const char *
setting_file(const struct loader *ld, const config_setting_t *s)
{
	const char *f = config_setting_source_file(s);

	return f != NULL ? f : ld->file;
}

static void
strv_free(char **v)
{
	size_t i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* A NULL-terminated copy of a list; never NULL unless out of memory. */
static char **
strv_dup(const struct ce_strlist *l)
{
	char **v = calloc(l->n + 1, sizeof(*v));
	size_t i;

	for (i = 0; v != NULL && i < l->n; i++) {
		if ((v[i] = strdup(l->items[i])) == NULL) {
			strv_free(v);
			return NULL;
		}
	}
	return v;
}

static void
instance_free(struct ce_conf_instance *inst)
{
	free(inst->plugin);
	free(inst->name);
	strv_free(inst->aliases);
	free(inst->min_severity);
	free(inst->file);
	ce_optvals_free(inst->values);
	free(inst);
}

static void
instances_free(struct ce_conf_instance *inst)
{
	struct ce_conf_instance *next;

	for (; inst != NULL; inst = next) {
		next = inst->next;
		instance_free(inst);
	}
}

void
ce_config_free(struct ce_config *cfg)
{
	if (cfg == NULL)
		return;
	instances_free(cfg->inputs);
	instances_free(cfg->evaluator);
	instances_free(cfg->outputs);
	if (cfg->cfg != NULL) {
		config_destroy(cfg->cfg);
		free(cfg->cfg);
	}
	strv_free(cfg->plugin_dirs);
	free(cfg->dead_letter);
	free(cfg->path);
	free(cfg->dir);
	free(cfg);
}

/* ------------------------------------------------------------------ */
/* What libconfig 1.5 gets wrong: scanning the text                    */
/* ------------------------------------------------------------------ */

static int
name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '*';
}

/* End of the number token at p (digits, hex, fraction, exponent, L). */
static const char *
number_end(const char *p)
{
	const char *q = p;

	if (*q == '+' || *q == '-')
		q++;
	while (name_char(*q) || *q == '.' ||
	    ((*q == '+' || *q == '-') && (q[-1] == 'e' || q[-1] == 'E') &&
	    !(q - p > 1 && (p[1] == 'x' || p[1] == 'X'))))
		q++;
	return q;
}

/* Non-zero when the literal would not survive as a 32-bit int. */
static int
literal_truncated(const char *tok, size_t len)
{
	char buf[64], *end;
	const char *digits = tok;
	long long v;
	unsigned long long u;

	if (len >= sizeof(buf) || tok[len - 1] == 'L')
		return 0;
	memcpy(buf, tok, len);
	buf[len] = '\0';
	if (*digits == '+' || *digits == '-')
		digits++;
	errno = 0;
	if (digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
		u = strtoull(buf + (digits - tok), &end, 16);
		return *end == '\0' && (errno != 0 || u > INT32_MAX);
	}
	if (strpbrk(buf, ".eE") != NULL)
		return 0;
	v = strtoll(buf, &end, 10);
	return *end == '\0' && (errno != 0 || v > INT32_MAX || v < INT32_MIN);
}

/* Past a comment or a string at p; NULL when it is never closed. */
static const char *
skip_comment_or_string(const char *p, unsigned *line)
{
	if (*p == '#' || (p[0] == '/' && p[1] == '/'))
		return p + strcspn(p, "\n");
	if (p[0] == '/' && p[1] == '*') {
		for (p += 2; *p != '\0' && !(p[0] == '*' && p[1] == '/'); p++)
			*line += *p == '\n';
		return *p != '\0' ? p + 2 : NULL;
	}
	for (p++; *p != '\0' && *p != '"'; p++) {
		*line += *p == '\n';
		if (*p == '\\' && p[1] != '\0')
			p++;
	}
	return *p != '\0' ? p + 1 : NULL;
}

/*
 * libconfig 1.5 reads an integer that does not fit in 32 bits, written
 * without the 'L' suffix, as a silently truncated int (5000000000 becomes
 * 705032704) and keeps no trace of the text; it ignores everything after
 * a comment that is never closed; and it reports a string that is never
 * closed at the end of the file (leaking memory).  So look at the text
 * first.  Returns -EINVAL when libconfig should not be given the file.
 */
static int
scan_text(struct loader *ld, const char *file, const char *text)
{
	const char *p = text, *end;
	unsigned line = 1, start;

	while (*p != '\0') {
		if (*p == '\n') {
			line++;
			p++;
		} else if (*p == '#' || *p == '"' ||
		    (*p == '/' && (p[1] == '/' || p[1] == '*'))) {
			start = line;
			if ((end = skip_comment_or_string(p, &line)) == NULL) {
				report(ld, file, start, "%s opened here is never "
				    "closed", *p == '"' ? "the string ('\"')" :
				    "the comment ('/*')");
				return -EINVAL;
			}
			p = end;
		} else if ((*p >= 'a' && *p <= 'z') ||
		    (*p >= 'A' && *p <= 'Z') || *p == '*' || *p == '@') {
			for (p++; name_char(*p); p++)
				;
		} else if ((*p >= '0' && *p <= '9') || ((*p == '-' ||
		    *p == '+') && p[1] >= '0' && p[1] <= '9')) {
			end = number_end(p);
			if (literal_truncated(p, (size_t)(end - p)))
				report(ld, file, line, "integer %.*s does not "
				    "fit in 32 bits: write it %.*sL (libconfig "
				    "would silently change its value)",
				    (int)(end - p), p, (int)(end - p), p);
			p = end;
		} else {
			p++;
		}
	}
	return 0;
}

static char *
slurp(const char *file)
{
	struct ce_buf b = CE_BUF_INIT;
	char chunk[4096];
	size_t n;
	FILE *fp = fopen(file, "r");

	if (fp == NULL)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		ce_buf_append(&b, chunk, n);
	fclose(fp);
	ce_buf_cstr(&b);
	if (b.oom) {
		ce_buf_free(&b);
		return NULL;
	}
	return ce_buf_steal(&b, NULL);
}

/* Files pulled in by @include (libconfig keeps their names as written). */
static int
scan_includes(struct loader *ld)
{
	const char *name;
	char *path, *text;
	unsigned i;
	size_t n;

	for (i = 1; i < ld->lc->num_filenames; i++) {
		name = ld->lc->filenames[i];
		n = strlen(ld->cfg->dir) + strlen(name) + 2;
		if ((path = malloc(n)) == NULL)
			return -ENOMEM;
		snprintf(path, n, "%s/%s", ld->cfg->dir, name);
		text = slurp(name[0] == '/' ? name : path);
		if (text != NULL)
			scan_text(ld, name, text);
		free(text);
		free(path);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Reading the file                                                    */
/* ------------------------------------------------------------------ */

/* The absolute directory of path (which exists: it was just opened). */
static char *
config_dir(const char *path)
{
	char *copy = strdup(path), *dir = NULL;

	if (copy != NULL)
		dir = realpath(dirname(copy), NULL);
	free(copy);
	return dir;
}

/* libconfig's terse parse errors, with what was expected. */
static const char *
parse_hint(const char *text)
{
	if (strcmp(text, "syntax error") == 0)
		return ": expected settings written 'name = value;' (strings "
		    "in double quotes, groups in { }, lists in ( ), arrays "
		    "in [ ])";
	if (strcmp(text, "duplicate setting name") == 0)
		return ": a name may be set only once in a group";
	if (strcmp(text, "mismatched element type in array") == 0)
		return ": an array [ ] holds values of one type; use a list "
		    "( ) to mix them";
	if (strcmp(text, "cannot open include file") == 0)
		return " (@include paths are relative to the configuration "
		    "file's directory)";
	return "";
}

/* The text of path, or NULL with the reason reported and in *err. */
static char *
read_text(struct loader *ld, const char *path, int *err)
{
	struct stat st;
	char *text = NULL;

	*err = 0;
	if (stat(path, &st) < 0)
		*err = errno;
	else if (S_ISDIR(st.st_mode))
		*err = EISDIR;
	else if ((text = slurp(path)) == NULL)
		*err = errno ? errno : ENOMEM;
	if (*err != 0)
		report(ld, path, 0, "cannot read the configuration file: %s",
		    strerror(*err));
	return text;
}

static int
parse_file(struct loader *ld, const char *path)
{
	char *text;
	const char *msg, *file;
	int err;

	if ((text = read_text(ld, path, &err)) == NULL)
		return -err;
	err = scan_text(ld, path, text);
	free(text);
	if (err < 0)
		return err;
	if ((ld->cfg->dir = config_dir(path)) == NULL)
		return -errno;
	if ((ld->lc = calloc(1, sizeof(*ld->lc))) == NULL)
		return -ENOMEM;
	config_init(ld->lc);
	ld->cfg->cfg = ld->lc;
	config_set_include_dir(ld->lc, ld->cfg->dir);
	if (config_read_file(ld->lc, path) == CONFIG_TRUE)
		return scan_includes(ld);
	msg = config_error_text(ld->lc) ? config_error_text(ld->lc) : "error";
	file = config_error_file(ld->lc) ? config_error_file(ld->lc) : path;
	if (config_error_type(ld->lc) == CONFIG_ERR_FILE_IO)
		report(ld, file, 0, "cannot read the configuration file");
	else
		report(ld, file, (unsigned)config_error_line(ld->lc), "%s%s",
		    msg, parse_hint(msg));
	return -EINVAL;
}

/* ------------------------------------------------------------------ */
/* Global settings                                                     */
/* ------------------------------------------------------------------ */

static void
ctx_init(struct ce_optctx *ctx, struct loader *ld, const char *file,
    unsigned line)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->diag = ld->diag;
	ctx->file = file;
	ctx->line = line;
	ctx->dir = ld->cfg->dir;
	ctx->noun = "setting";
	ctx->prefix = "";
	ctx->valid = "valid settings";
}

/* Bind table from group (NULL: defaults) and write the values to out. */
static int
bind_core(struct loader *ld, struct ce_optctx *ctx,
    const struct ce_option *table, const config_setting_t *group,
    struct ce_optvals **vals, void *out)
{
	int rc = ce_optvals_bind(table, group, NULL, ctx, vals);

	ld->errors += ctx->errors;
	if (rc == 0)
		rc = ce_options_apply(table, *vals, out);
	return rc;
}

static unsigned
default_workers(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 64 ? 64 : (unsigned)n;
}

static int
load_globals(struct loader *ld, const config_setting_t *root)
{
	struct ce_config *cfg = ld->cfg;
	struct ce_optvals *vals = NULL;
	struct ce_optctx ctx;
	struct globals g;
	int rc;

	ctx_init(&ctx, ld, ld->file, 0);
	ctx.reserved = root_groups;
	ctx.check_unknown = 1;
	memset(&g, 0, sizeof(g));
	if ((rc = bind_core(ld, &ctx, global_options, root, &vals, &g)) < 0)
		goto out;
	rc = -ENOMEM;
	strv_free(cfg->plugin_dirs);
	if ((cfg->plugin_dirs = strv_dup(&g.plugin_dirs)) == NULL)
		goto out;
	if (g.dead_letter != NULL &&
	    (cfg->dead_letter = strdup(g.dead_letter)) == NULL)
		goto out;
	cfg->log_level = (enum ce_log_level)(CE_LOG_ERROR + g.log_level);
	cfg->log_format = g.log_format == 1 ? CE_LOG_JSON : CE_LOG_TEXT;
	cfg->workers = g.workers > 0 ? (unsigned)g.workers : default_workers();
	cfg->queue_size = (unsigned)g.queue_size;
	cfg->max_inflight = (unsigned)g.max_inflight;
	cfg->dedup_entries = (unsigned)g.dedup_entries;
	rc = 0;
out:
	ce_optvals_free(vals);
	return rc;
}

/* A group setting of the root, or NULL (reported when of another type). */
static const config_setting_t *
root_group(struct loader *ld, const config_setting_t *root, const char *key)
{
	const config_setting_t *s;

	if (root == NULL || (s = config_setting_get_member(root, key)) == NULL)
		return NULL;
	if (config_setting_is_group(s))
		return s;
	report(ld, setting_file(ld, s), config_setting_source_line(s),
	    "setting '%s' must be a group { ... }, found %s", key,
	    ce_conf_type_name(s));
	return NULL;
}

static int
load_retry(struct loader *ld, const config_setting_t *root)
{
	const config_setting_t *s = root_group(ld, root, "retry");
	struct ce_optvals *vals = NULL;
	struct ce_optctx ctx;
	struct retry_values r;
	int rc;

	ctx_init(&ctx, ld, s ? setting_file(ld, s) : ld->file,
	    s ? config_setting_source_line(s) : 0);
	ctx.prefix = "retry.";
	ctx.valid = "valid settings in 'retry'";
	ctx.check_unknown = 1;
	rc = bind_core(ld, &ctx, retry_options, s, &vals, &r);
	ce_optvals_free(vals);
	if (rc < 0)
		return rc;
	if (r.base_delay_ms > r.max_delay_ms) {
		report(ld, ctx.file, ctx.line, "setting 'retry.base_delay_ms' "
		    "(%" PRId64 ") must not be greater than "
		    "'retry.max_delay_ms' (%" PRId64 ")", r.base_delay_ms,
		    r.max_delay_ms);
		return -EINVAL;
	}
	ld->cfg->retry.max_attempts = (unsigned)r.max_attempts;
	ld->cfg->retry.max_time_ms = r.max_time_ms;
	ld->cfg->retry.base_delay_ms = r.base_delay_ms;
	ld->cfg->retry.max_delay_ms = r.max_delay_ms;
	return 0;
}

static int
load_limits(struct loader *ld, const config_setting_t *root)
{
	const config_setting_t *s = root_group(ld, root, "limits");
	struct ce_optvals *vals = NULL;
	struct ce_optctx ctx;
	struct limits_values l;
	int rc;

	ctx_init(&ctx, ld, s ? setting_file(ld, s) : ld->file,
	    s ? config_setting_source_line(s) : 0);
	ctx.prefix = "limits.";
	ctx.valid = "valid settings in 'limits'";
	ctx.check_unknown = 1;
	rc = bind_core(ld, &ctx, limits_options, s, &vals, &l);
	ce_optvals_free(vals);
	if (rc < 0)
		return rc;
	ld->cfg->limits.max_record_bytes = (size_t)l.max_record_bytes;
	ld->cfg->limits.max_depth = (size_t)l.max_depth;
	ld->cfg->limits.max_gzip_ratio = (uint64_t)l.max_gzip_ratio;
	ld->cfg->limits.max_flat_bytes = (size_t)l.max_flat_bytes;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Instances                                                           */
/* ------------------------------------------------------------------ */

static int
plugin_name_ok(const char *s)
{
	size_t n = strlen(s);

	return n <= NAME_MAX_LEN && ce_name_ok(s);
}

static int
instance_name_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= NAME_MAX_LEN && strspn(s,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_-.") == n;
}

static struct ce_conf_instance **
instance_list(struct ce_config *cfg, enum ce_plugin_kind kind)
{
	switch (kind) {
	case CE_KIND_INPUT:
		return &cfg->inputs;
	case CE_KIND_EVALUATOR:
		return &cfg->evaluator;
	case CE_KIND_OUTPUT:
		break;
	}
	return &cfg->outputs;
}

static void
instance_append(struct ce_config *cfg, struct ce_conf_instance *inst)
{
	struct ce_conf_instance **pp = instance_list(cfg, inst->kind);

	while (*pp != NULL)
		pp = &(*pp)->next;
	*pp = inst;
}

static struct ce_conf_instance *
instance_new(enum ce_plugin_kind kind, const char *plugin, const char *name,
    const struct ce_strlist *aliases, const char *file)
{
	static const struct ce_strlist none = { 0, NULL };
	struct ce_conf_instance *inst = calloc(1, sizeof(*inst));

	if (inst == NULL)
		return NULL;
	inst->kind = kind;
	inst->plugin = strdup(plugin);
	inst->name = strdup(name != NULL ? name : plugin);
	inst->aliases = strv_dup(aliases != NULL ? aliases : &none);
	inst->file = file != NULL ? strdup(file) : NULL;
	if (inst->plugin == NULL || inst->name == NULL ||
	    inst->aliases == NULL || (file != NULL && inst->file == NULL)) {
		instance_free(inst);
		return NULL;
	}
	return inst;
}

/* Reserved keys whose values the option tables cannot judge alone. */
static void
check_instance_names(struct loader *ld, const struct instance_keys *k,
    const char *owner, const char *file, unsigned line)
{
	size_t i;

	if (!plugin_name_ok(k->plugin))
		report(ld, file, line, "setting 'plugin' of %s must be a "
		    "plugin name (lowercase letters, digits and '_'), found "
		    "\"%s\"", owner, k->plugin);
	if (k->name != NULL && !instance_name_ok(k->name))
		report(ld, file, line, "setting 'name' of %s must be at most "
		    "%d letters, digits, '_', '-' or '.', found \"%s\"", owner,
		    NAME_MAX_LEN, k->name);
	for (i = 0; i < k->aliases.n; i++)
		if (!instance_name_ok(k->aliases.items[i]))
			report(ld, file, line, "setting 'aliases' of %s must "
			    "hold names of at most %d letters, digits, '_', "
			    "'-' or '.', found \"%s\"", owner, NAME_MAX_LEN,
			    k->aliases.items[i]);
}

/* One group of inputs / evaluator / outputs; index is 1-based. */
static int
load_instance(struct loader *ld, const config_setting_t *s,
    enum ce_plugin_kind kind, unsigned index)
{
	const struct ce_option *table = kind == CE_KIND_OUTPUT ?
	    output_options : instance_options;
	struct ce_conf_instance *inst;
	struct ce_optvals *vals = NULL;
	struct ce_optctx ctx;
	struct instance_keys k;
	unsigned errors = ld->errors;
	char owner[32];
	int rc;

	if (kind == CE_KIND_EVALUATOR)
		snprintf(owner, sizeof(owner), "the evaluator");
	else
		snprintf(owner, sizeof(owner), "%s #%u",
		    ce_plugin_kind_name(kind), index);
	ctx_init(&ctx, ld, setting_file(ld, s), config_setting_source_line(s));
	if (!config_setting_is_group(s)) {
		report(ld, ctx.file, ctx.line, "%s must be a group { plugin = "
		    "\"NAME\"; ... }, found %s", owner, ce_conf_type_name(s));
		return -EINVAL;
	}
	ctx.owner = owner;
	memset(&k, 0, sizeof(k));
	if ((rc = bind_core(ld, &ctx, table, s, &vals, &k)) < 0)
		goto out;
	check_instance_names(ld, &k, owner, ctx.file, ctx.line);
	rc = -EINVAL;
	if (ld->errors != errors)
		goto out;
	rc = -ENOMEM;
	inst = instance_new(kind, k.plugin, k.name, &k.aliases, ctx.file);
	if (inst == NULL)
		goto out;
	inst->line = ctx.line;
	inst->setting = (void *)s;
	if (k.min_severity >= 0 && (inst->min_severity =
	    strdup(severity_choices[k.min_severity])) == NULL) {
		instance_free(inst);
		goto out;
	}
	instance_append(ld->cfg, inst);
	rc = 0;
out:
	ce_optvals_free(vals);
	return rc;
}

/* "inputs" / "outputs": a list of groups, or one group. */
static int
load_instances(struct loader *ld, const config_setting_t *root,
    const char *key, enum ce_plugin_kind kind)
{
	const config_setting_t *s;
	unsigned i, n;
	int rc;

	if (root == NULL || (s = config_setting_get_member(root, key)) == NULL)
		return 0;
	if (config_setting_is_group(s)) {
		rc = load_instance(ld, s, kind, 1);
		return rc == -ENOMEM ? rc : 0;
	}
	if (!config_setting_is_list(s) && !(config_setting_is_array(s) &&
	    config_setting_length(s) == 0)) {
		report(ld, setting_file(ld, s), config_setting_source_line(s),
		    "setting '%s' must be a list of groups ( { plugin = "
		    "\"NAME\"; ... }, ... ) or one group, found %s", key,
		    ce_conf_type_name(s));
		return 0;
	}
	n = (unsigned)config_setting_length(s);
	if (kind == CE_KIND_EVALUATOR && n > 1) {
		report(ld, setting_file(ld, s), config_setting_source_line(s),
		    "only one evaluator may be configured, found %u", n);
		return 0;
	}
	for (i = 0; i < n; i++) {
		rc = load_instance(ld, config_setting_get_elem(s, i), kind,
		    i + 1);
		if (rc == -ENOMEM)
			return rc;
	}
	return 0;
}

/* One name an output answers to (its name or an alias). */
struct taken {
	const char			*name;
	const struct ce_conf_instance	*by;
};

static const struct taken *
taken_find(const struct taken *t, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return &t[i];
	return NULL;
}

static void
check_input_names(struct loader *ld)
{
	const struct ce_conf_instance *a, *b;

	for (a = ld->cfg->inputs; a != NULL; a = a->next) {
		for (b = ld->cfg->inputs; b != a; b = b->next) {
			if (strcmp(a->name, b->name) == 0) {
				report(ld, a->file, a->line, "duplicate input "
				    "name '%s' (first used at %s:%u); give "
				    "each input a distinct 'name'", a->name,
				    b->file, b->line);
				break;
			}
		}
	}
}

static int
check_output_names(struct loader *ld)
{
	const struct ce_conf_instance *o;
	const struct taken *first;
	struct taken *t;
	size_t n = 0, cap = 0, i;
	char **names;

	for (o = ld->cfg->outputs; o != NULL; o = o->next)
		for (cap++, names = o->aliases; *names != NULL; names++)
			cap++;
	if ((t = calloc(cap + 1, sizeof(*t))) == NULL)
		return -ENOMEM;
	for (o = ld->cfg->outputs; o != NULL; o = o->next) {
		for (i = 0; i == 0 || o->aliases[i - 1] != NULL; i++) {
			t[n].name = i == 0 ? o->name : o->aliases[i - 1];
			t[n].by = o;
			if ((first = taken_find(t, n, t[n].name)) != NULL)
				report(ld, o->file, o->line, "duplicate output "
				    "name '%s' (already used by output '%s' "
				    "at %s:%u); output names and aliases must "
				    "all differ", t[n].name, first->by->name,
				    first->by->file, first->by->line);
			n++;
		}
	}
	free(t);
	return 0;
}

static int
load_tree(struct loader *ld)
{
	const config_setting_t *root = config_root_setting(ld->lc);
	int rc;

	if ((rc = load_globals(ld, root)) == -ENOMEM ||
	    (rc = load_retry(ld, root)) == -ENOMEM ||
	    (rc = load_limits(ld, root)) == -ENOMEM ||
	    (rc = load_instances(ld, root, "inputs", CE_KIND_INPUT)) < 0 ||
	    (rc = load_instances(ld, root, "evaluator",
	    CE_KIND_EVALUATOR)) < 0 ||
	    (rc = load_instances(ld, root, "outputs", CE_KIND_OUTPUT)) < 0)
		return -ENOMEM;
	check_input_names(ld);
	if (check_output_names(ld) < 0)
		return -ENOMEM;
	return ld->errors ? -EINVAL : 0;
}

static struct ce_config *
config_alloc(const char *path)
{
	struct ce_config *cfg = calloc(1, sizeof(*cfg));

	if (cfg == NULL)
		return NULL;
	if (path != NULL && (cfg->path = strdup(path)) == NULL) {
		free(cfg);
		return NULL;
	}
	return cfg;
}

/* Settings that are not options: defaults for a config without a file. */
static int
load_defaults(struct loader *ld)
{
	int rc;

	if ((rc = load_globals(ld, NULL)) < 0 ||
	    (rc = load_retry(ld, NULL)) < 0 ||
	    (rc = load_limits(ld, NULL)) < 0)
		return rc;
	return 0;
}

int
ce_config_load(const char *path, struct ce_config **out, struct ce_diag *diag)
{
	struct loader ld = { NULL, NULL, diag, path, 0 };
	int rc = -ENOMEM;

	*out = NULL;
	if ((ld.cfg = config_alloc(path)) == NULL)
		goto fail;
	if ((rc = parse_file(&ld, path)) < 0)
		goto fail;
	/* Values were truncated: checking them would only mislead. */
	rc = -EINVAL;
	if (ld.errors)
		goto fail;
	if ((rc = load_tree(&ld)) < 0)
		goto fail;
	*out = ld.cfg;
	return 0;
fail:
	ce_config_free(ld.cfg);
	return rc;
}

int
ce_config_empty(struct ce_config **out)
{
	struct ce_diag diag;
	struct loader ld = { NULL, NULL, &diag, NULL, 0 };
	int rc = -ENOMEM;

	*out = NULL;
	ce_diag_init(&diag);
	diag.echo = 1;
	if ((ld.cfg = config_alloc(NULL)) == NULL)
		goto fail;
	if ((ld.cfg->dir = getcwd(NULL, 0)) == NULL) {
		rc = -errno;
		goto fail;
	}
	if ((rc = load_defaults(&ld)) < 0)
		goto fail;
	*out = ld.cfg;
	ce_diag_free(&diag);
	return 0;
fail:
	ce_diag_free(&diag);
	ce_config_free(ld.cfg);
	return rc;
}

struct ce_conf_instance *
ce_config_add_instance(struct ce_config *cfg, enum ce_plugin_kind kind,
    const char *plugin, const char *name)
{
	struct ce_conf_instance *inst;

	if (kind == CE_KIND_EVALUATOR && cfg->evaluator != NULL)
		return NULL;
	inst = instance_new(kind, plugin, name, NULL, cfg->path);
	if (inst != NULL)
		instance_append(cfg, inst);
	return inst;
}

/* ------------------------------------------------------------------ */
/* Plugin options                                                      */
/* ------------------------------------------------------------------ */

int
ce_config_override(struct ce_conf_instance *inst, const char *key,
    const char *const *values, size_t n)
{
	return ce_optvals_override(&inst->values, key, values, n);
}

int
ce_config_bind(struct ce_config *cfg, struct ce_conf_instance *inst,
    const struct ce_plugin *desc, struct ce_diag *diag)
{
	struct ce_buf owner = CE_BUF_INIT, valid = CE_BUF_INIT;
	struct ce_optvals *vals = NULL;
	struct ce_optctx ctx;
	int rc = -ENOMEM;

	ce_buf_printf(&owner, "%s '%s'", ce_plugin_kind_name(inst->kind),
	    inst->name);
	ce_buf_printf(&valid, "valid keys for %s plugin '%s'",
	    ce_plugin_kind_name(inst->kind), desc->name);
	if (owner.oom || valid.oom)
		goto out;
	memset(&ctx, 0, sizeof(ctx));
	ctx.diag = diag;
	ctx.file = inst->file;
	ctx.line = inst->line;
	ctx.dir = cfg->dir;
	ctx.noun = "option";
	ctx.prefix = "";
	ctx.owner = owner.data;
	ctx.valid = valid.data;
	ctx.plugin = desc->name;
	ctx.reserved = inst->kind == CE_KIND_OUTPUT ? output_keys :
	    instance_keys;
	ctx.check_unknown = 1;
	rc = ce_optvals_bind(desc->options, inst->setting, inst->values, &ctx,
	    &vals);
	if (rc < 0)
		goto out;
	ce_optvals_take_overrides(vals, inst->values);
	ce_optvals_free(inst->values);
	inst->values = vals;
out:
	ce_buf_free(&owner);
	ce_buf_free(&valid);
	return rc;
}
