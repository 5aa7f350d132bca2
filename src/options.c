/*
 * options.c - option tables: checking configured values against a table
 * (a plugin's, or the core's own), ${VAR} expansion, relative paths, and
 * writing, comparing, describing and dumping the resulting values.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "options.h"

/* An entry must hold at least the members up to .offset. */
#define OPT_MIN_SIZE	(offsetof(struct ce_option, offset) + sizeof(size_t))
/* Longest option name a suggestion is computed for. */
#define NAME_MAX_SUGGEST	64

struct ce_optval {
	char			*name;
	enum ce_option_type	 type;
	int			 given;		/* by the file or the command line */
	char			*str;		/* STRING, SECRET, ENUM; NULL = unset */
	int64_t			 integer;	/* INTEGER, BOOLEAN, ENUM index */
	double			 decimal;
	char		       **items;		/* STRING_LIST: n items, then NULL */
	size_t			 n;
};

struct ce_override {
	char			*key;
	char		       **values;
	size_t			 n;
	char			*dir;		/* the working directory then */
	struct ce_override	*next;
};

struct ce_optvals {
	size_t			 n;		/* one value per table entry */
	struct ce_optval	*v;
	struct ce_override	*overrides;	/* from ce_config_override() */
};

/* A table read into plain copies, zero-extended from older plugins. */
struct table {
	size_t			 n;
	struct ce_option	*o;
};

/* Where one value comes from. */
struct vsrc {
	const config_setting_t	*setting;	/* from the file, or NULL */
	const char *const	*text;		/* else these strings */
	size_t			 ntext;
	const char		*dir;		/* relative paths resolve here */
	const char		*file;		/* for messages */
	unsigned		 line;
	const char		*tag;		/* "" or " (given on the command line)" */
	int			 expand;	/* ${VAR} applies */
};

/* One value being bound. */
struct bind {
	struct ce_optctx	*ctx;
	const struct ce_option	*opt;
	const struct vsrc	*src;
	struct ce_buf		 subj;		/* "option 'x' of input 'y'" */
};

static void report(struct ce_optctx *ctx, const char *file, unsigned line,
    const char *fmt, ...) CE_PRINTF(4, 5);

static void
report(struct ce_optctx *ctx, const char *file, unsigned line,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ce_diag_addv(ctx->diag, CE_LOG_ERROR, file, line, 0, fmt, ap);
	va_end(ap);
	ctx->errors++;
}

/* Secrets pass through these; leave nothing behind in freed memory. */
static void
wipe_free(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

static void
wipe_buf(struct ce_buf *b)
{
	if (b->data != NULL)
		explicit_bzero(b->data, b->cap);
	ce_buf_free(b);
}

static void
free_strv(char **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		wipe_free(v[i]);
	free(v);
}

/* ------------------------------------------------------------------ */
/* Tables                                                              */
/* ------------------------------------------------------------------ */

static const struct ce_option *
opt_next(const struct ce_option *o)
{
	return (const struct ce_option *)(const void *)
	    ((const char *)o + o->size);
}

/* Read table into t; -EINVAL when an entry is too small to step over. */
static int
table_load(const struct ce_option *table, struct table *t)
{
	const struct ce_option *o;
	size_t n = 0, i;

	t->n = 0;
	t->o = NULL;
	for (o = table; o != NULL; o = opt_next(o)) {
		if (o->size < OPT_MIN_SIZE)
			return -EINVAL;
		if (o->name == NULL)
			break;
		n++;
	}
	t->o = calloc(n + 1, sizeof(*t->o));
	if (t->o == NULL)
		return -ENOMEM;
	for (o = table, i = 0; i < n; o = opt_next(o), i++)
		memcpy(&t->o[i], o, o->size < sizeof(*o) ? o->size : sizeof(*o));
	t->n = n;
	return 0;
}

static void
table_free(struct table *t)
{
	free(t->o);
	t->o = NULL;
	t->n = 0;
}

static int
table_find(const struct table *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->o[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int
in_list(const char *const *list, const char *name)
{
	for (; list != NULL && *list != NULL; list++)
		if (strcmp(*list, name) == 0)
			return 1;
	return 0;
}

/* A broken table is the plugin's bug: say so once, at the instance. */
static int
table_check(const struct table *t, struct ce_optctx *ctx)
{
	const struct ce_option *o;
	const char *why;
	size_t i;

	for (i = 0; i < t->n; i++) {
		o = &t->o[i];
		why = NULL;
		if (!ce_name_ok(o->name))
			why = "its name is not [a-z0-9_]+";
		else if (o->type < CE_OPT_STRING || o->type > CE_OPT_SECRET)
			why = "its type is unknown";
		else if (o->type == CE_OPT_ENUM &&
		    (o->choices == NULL || o->choices[0] == NULL))
			why = "it is an enum without choices";
		else if (in_list(ctx->reserved, o->name))
			why = "that key is reserved by cloudengine";
		else if (table_find(t, o->name) != (int)i)
			why = "it is declared twice";
		if (why != NULL)
			report(ctx, ctx->file, ctx->line, "plugin '%s' is broken: "
			    "option %zu ('%s') of its table is invalid: %s",
			    ctx->plugin ? ctx->plugin : "cloudengine", i + 1,
			    ce_name_ok(o->name) ? o->name : "?", why);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Names and messages                                                  */
/* ------------------------------------------------------------------ */

static size_t
min3(size_t a, size_t b, size_t c)
{
	size_t m = a < b ? a : b;

	return m < c ? m : c;
}

/* Levenshtein distance; SIZE_MAX for names too long to bother with. */
static size_t
edit_distance(const char *a, const char *b)
{
	size_t row[NAME_MAX_SUGGEST + 1];
	size_t la = strlen(a), lb = strlen(b), i, j, diag, up;

	if (la > NAME_MAX_SUGGEST || lb > NAME_MAX_SUGGEST)
		return SIZE_MAX;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		diag = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			up = row[j];
			row[j] = min3(row[j] + 1, row[j - 1] + 1,
			    diag + (a[i - 1] != b[j - 1]));
			diag = up;
		}
	}
	return row[lb];
}

/* The closest valid key to a misspelt one, or NULL when none is close. */
static const char *
suggest(const char *word, const struct table *t, const char *const *reserved)
{
	size_t limit = strlen(word) <= 4 ? 1 : 2, best = SIZE_MAX, d, i;
	const char *found = NULL;

	for (; reserved != NULL && *reserved != NULL; reserved++) {
		d = edit_distance(word, *reserved);
		if (d <= limit && d < best)
			best = d, found = *reserved;
	}
	for (i = 0; i < t->n; i++) {
		d = edit_distance(word, t->o[i].name);
		if (d <= limit && d < best)
			best = d, found = t->o[i].name;
	}
	return found;
}

static void
report_unknown(struct ce_optctx *ctx, const struct table *t, const char *key,
    const char *file, unsigned line, const char *tag)
{
	struct ce_buf b = CE_BUF_INIT;
	const char *const *r;
	const char *near = suggest(key, t, ctx->reserved);
	const char *sep = "";
	size_t i;

	ce_buf_printf(&b, "unknown %s '%s%s'", ctx->noun, ctx->prefix, key);
	if (ctx->owner != NULL)
		ce_buf_printf(&b, " of %s", ctx->owner);
	ce_buf_puts(&b, tag);
	if (near != NULL)
		ce_buf_printf(&b, " (did you mean '%s'?)", near);
	ce_buf_printf(&b, "; %s: ", ctx->valid);
	for (r = ctx->reserved; r != NULL && *r != NULL; r++, sep = ", ")
		ce_buf_printf(&b, "%s%s", sep, *r);
	for (i = 0; i < t->n; i++, sep = ", ")
		ce_buf_printf(&b, "%s%s", sep, t->o[i].name);
	if (*sep == '\0')
		ce_buf_puts(&b, "none");
	report(ctx, file, line, "%s", ce_buf_cstr(&b));
	ce_buf_free(&b);
}

const char *
ce_conf_type_name(const config_setting_t *s)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a decimal number";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "a boolean";
	case CONFIG_TYPE_GROUP:
		return "a group { ... }";
	case CONFIG_TYPE_ARRAY:
		return "an array [ ... ]";
	case CONFIG_TYPE_LIST:
		return "a list ( ... )";
	}
	return "nothing";
}

static const char *
expected_type(const struct ce_option *o)
{
	switch (o->type) {
	case CE_OPT_STRING:
	case CE_OPT_SECRET:
	case CE_OPT_ENUM:
		return "a string";
	case CE_OPT_INTEGER:
		return "an integer";
	case CE_OPT_BOOLEAN:
		return "a boolean (true or false)";
	case CE_OPT_DECIMAL:
		return "a number";
	case CE_OPT_STRING_LIST:
		return "a list of strings";
	}
	return "?";
}

static void
put_choices(struct ce_buf *b, const char *const *choices, const char *sep)
{
	size_t i;

	for (i = 0; choices[i] != NULL; i++)
		ce_buf_printf(b, "%s%s", i ? sep : "", choices[i]);
}

static const char *
subject(struct bind *bd)
{
	struct ce_optctx *ctx = bd->ctx;

	if (bd->subj.len == 0) {
		ce_buf_printf(&bd->subj, "%s '%s%s'", ctx->noun, ctx->prefix,
		    bd->opt->name);
		if (ctx->owner != NULL)
			ce_buf_printf(&bd->subj, " of %s", ctx->owner);
		ce_buf_puts(&bd->subj, bd->src->tag);
	}
	return ce_buf_cstr(&bd->subj);
}

static void bad_value(struct bind *bd, const char *fmt, ...) CE_PRINTF(2, 3);

/* "<subject><what>", at the value's location; what starts with its
 * separator (" must be ...", ": ..."). */
static void
bad_value(struct bind *bd, const char *fmt, ...)
{
	struct ce_buf b = CE_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	ce_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	report(bd->ctx, bd->src->file, bd->src->line, "%s%s", subject(bd),
	    ce_buf_cstr(&b));
	ce_buf_free(&b);
}

static int
wrong_type(struct bind *bd, const char *found)
{
	struct ce_buf b = CE_BUF_INIT;

	if (bd->opt->type == CE_OPT_ENUM) {
		put_choices(&b, bd->opt->choices, ", ");
		bad_value(bd, " must be one of: %s; found %s", ce_buf_cstr(&b),
		    found);
	} else {
		bad_value(bd, " must be %s, found %s", expected_type(bd->opt),
		    found);
	}
	ce_buf_free(&b);
	return -EINVAL;
}

/* ------------------------------------------------------------------ */
/* Strings: ${VAR}, $$, relative paths                                 */
/* ------------------------------------------------------------------ */

static int
env_name_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

/*
 * Expand ${NAME} and $$ from s into out.  Returns 0; -ENOENT when NAME is
 * unset (*name, *namelen point at it in s); -EINVAL for any other '$'.
 */
static int
env_expand(const char *s, struct ce_buf *out, const char **name,
    size_t *namelen)
{
	char var[256];
	const char *p, *end, *val;
	size_t len;

	for (p = s; *p != '\0'; p++) {
		if (*p != '$') {
			ce_buf_putc(out, *p);
			continue;
		}
		if (p[1] == '$') {
			ce_buf_putc(out, '$');
			p++;
			continue;
		}
		if (p[1] != '{' || (end = strchr(p + 2, '}')) == NULL)
			return -EINVAL;
		len = (size_t)(end - (p + 2));
		if (!env_name_ok(p + 2, len) || len >= sizeof(var))
			return -EINVAL;
		memcpy(var, p + 2, len);
		var[len] = '\0';
		if ((val = getenv(var)) == NULL) {
			*name = p + 2;
			*namelen = len;
			return -ENOENT;
		}
		ce_buf_puts(out, val);
		p = end;
	}
	return 0;
}

static char *
path_resolve(const char *dir, const char *path)
{
	struct ce_buf b = CE_BUF_INIT;

	/* "-" names standard input by convention, not a file beside the
	 * config. */
	if (path[0] == '/' || dir == NULL || strcmp(path, "-") == 0)
		return strdup(path);
	ce_buf_puts(&b, dir);
	if (b.len == 0 || b.data[b.len - 1] != '/')
		ce_buf_putc(&b, '/');
	ce_buf_puts(&b, path);
	if (b.oom) {
		ce_buf_free(&b);
		return NULL;
	}
	return ce_buf_steal(&b, NULL);
}

static int
is_path(const struct ce_option *o)
{
	return (o->flags & CE_OPT_PATH) != 0 &&
	    (o->type == CE_OPT_STRING || o->type == CE_OPT_STRING_LIST);
}

/* One string as the plugin gets it: expanded, made absolute.  item is
 * 1-based within a list, 0 for a plain string. */
static int
finish_string(struct bind *bd, const char *raw, unsigned item, char **out)
{
	struct ce_buf b = CE_BUF_INIT;
	char where[32] = "";
	const char *name = NULL;
	size_t namelen = 0;
	int rc = 0;

	*out = NULL;
	if (item > 0)
		snprintf(where, sizeof(where), " (item %u)", item);
	if (bd->src->expand)
		rc = env_expand(raw, &b, &name, &namelen);
	else
		ce_buf_puts(&b, raw);
	if (rc == -ENOENT) {
		bad_value(bd, "%s: environment variable '%.*s' is not set",
		    where, (int)namelen, name);
		goto out;
	}
	if (rc == -EINVAL) {
		bad_value(bd, "%s: a '$' must start '${NAME}' (an environment "
		    "variable) or '$$' (a literal '$')", where);
		goto out;
	}
	ce_buf_cstr(&b);
	rc = -ENOMEM;
	if (b.oom)
		goto out;
	rc = 0;
	if (is_path(bd->opt) && b.len == 0) {
		bad_value(bd, "%s must be a file path, found an empty string",
		    where);
		rc = -EINVAL;
		goto out;
	}
	*out = is_path(bd->opt) ? path_resolve(bd->src->dir, b.data) :
	    strdup(ce_buf_cstr(&b));
	if (*out == NULL)
		rc = -ENOMEM;
out:
	wipe_buf(&b);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Values                                                              */
/* ------------------------------------------------------------------ */

static int
check_bounds(struct bind *bd, int64_t v)
{
	if (bd->opt->min < bd->opt->max &&
	    (v < bd->opt->min || v > bd->opt->max)) {
		bad_value(bd, " must be between %" PRId64 " and %" PRId64
		    ", found %" PRId64, bd->opt->min, bd->opt->max, v);
		return -EINVAL;
	}
	return 0;
}

static int
check_choice(struct bind *bd, struct ce_optval *v)
{
	struct ce_buf b = CE_BUF_INIT;
	size_t i;

	for (i = 0; bd->opt->choices[i] != NULL; i++) {
		if (strcmp(bd->opt->choices[i], v->str) == 0) {
			v->integer = (int64_t)i;
			return 0;
		}
	}
	put_choices(&b, bd->opt->choices, ", ");
	bad_value(bd, " must be one of: %s; found \"%s\"", ce_buf_cstr(&b),
	    v->str);
	ce_buf_free(&b);
	return -EINVAL;
}

static int
list_alloc(struct ce_optval *v, size_t n)
{
	v->items = calloc(n + 1, sizeof(*v->items));
	v->n = 0;
	return v->items != NULL ? 0 : -ENOMEM;
}

static int
string_value(struct bind *bd, struct ce_optval *v, const char *raw)
{
	int rc = finish_string(bd, raw, 0, &v->str);

	if (rc == 0 && bd->opt->type == CE_OPT_ENUM)
		rc = check_choice(bd, v);
	return rc;
}

/* A list from the file: one string, or an array or list of strings. */
static int
list_from_setting(struct bind *bd, struct ce_optval *v,
    const config_setting_t *s)
{
	const config_setting_t *e;
	unsigned i, n;
	int rc;

	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		if ((rc = list_alloc(v, 1)) < 0)
			return rc;
		rc = finish_string(bd, config_setting_get_string(s), 0,
		    &v->items[0]);
		v->n = v->items[0] != NULL;
		return rc;
	}
	if (config_setting_type(s) != CONFIG_TYPE_ARRAY &&
	    config_setting_type(s) != CONFIG_TYPE_LIST)
		return wrong_type(bd, ce_conf_type_name(s));
	n = (unsigned)config_setting_length(s);
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			bad_value(bd, " must be a list of strings; item %u is %s",
			    i + 1, ce_conf_type_name(e));
			return -EINVAL;
		}
	}
	if ((rc = list_alloc(v, n)) < 0)
		return rc;
	for (i = 0; i < n; i++) {
		rc = finish_string(bd, config_setting_get_string(
		    config_setting_get_elem(s, i)), n > 1 ? i + 1 : 0,
		    &v->items[v->n]);
		if (rc == -ENOMEM)
			return rc;
		if (rc == 0)
			v->n++;
	}
	/* Every bad item was reported; a short list is not a value. */
	return v->n == n ? 0 : -EINVAL;
}

static int
from_setting(struct bind *bd, struct ce_optval *v)
{
	const config_setting_t *s = bd->src->setting;
	int t = config_setting_type(s);

	switch (bd->opt->type) {
	case CE_OPT_STRING:
	case CE_OPT_SECRET:
	case CE_OPT_ENUM:
		if (t != CONFIG_TYPE_STRING)
			return wrong_type(bd, ce_conf_type_name(s));
		return string_value(bd, v, config_setting_get_string(s));
	case CE_OPT_INTEGER:
		if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
			return wrong_type(bd, ce_conf_type_name(s));
		v->integer = config_setting_get_int64(s);
		return check_bounds(bd, v->integer);
	case CE_OPT_BOOLEAN:
		if (t != CONFIG_TYPE_BOOL)
			return wrong_type(bd, ce_conf_type_name(s));
		v->integer = config_setting_get_bool(s) != 0;
		return 0;
	case CE_OPT_DECIMAL:
		if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64)
			v->decimal = (double)config_setting_get_int64(s);
		else if (t == CONFIG_TYPE_FLOAT)
			v->decimal = config_setting_get_float(s);
		else
			return wrong_type(bd, ce_conf_type_name(s));
		if (!isfinite(v->decimal)) {
			bad_value(bd, " must be a finite number");
			return -EINVAL;
		}
		return 0;
	case CE_OPT_STRING_LIST:
		return list_from_setting(bd, v, s);
	}
	return -EINVAL;
}

static int
parse_int64(const char *s, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || *end != '\0' || errno != 0)
		return -EINVAL;
	*out = v;
	return 0;
}

static int
parse_bool(const char *s, int64_t *out)
{
	static const char *const yes[] = { "true", "yes", "on", "1", NULL };
	static const char *const no[] = { "false", "no", "off", "0", NULL };

	if (in_list(yes, s))
		*out = 1;
	else if (in_list(no, s))
		*out = 0;
	else
		return -EINVAL;
	return 0;
}

/* A scalar given as text (a default, or the command line). */
static int
scalar_from_text(struct bind *bd, struct ce_optval *v, const char *text)
{
	char *end;

	switch (bd->opt->type) {
	case CE_OPT_INTEGER:
		if (parse_int64(text, &v->integer) < 0) {
			bad_value(bd, " must be an integer, found \"%s\"", text);
			return -EINVAL;
		}
		return check_bounds(bd, v->integer);
	case CE_OPT_BOOLEAN:
		if (parse_bool(text, &v->integer) < 0) {
			bad_value(bd, " must be true or false, found \"%s\"",
			    text);
			return -EINVAL;
		}
		return 0;
	case CE_OPT_DECIMAL:
		v->decimal = strtod(text, &end);
		if (end == text || *end != '\0' || !isfinite(v->decimal)) {
			bad_value(bd, " must be a number, found \"%s\"", text);
			return -EINVAL;
		}
		return 0;
	default:
		return string_value(bd, v, text);
	}
}

static int
from_text(struct bind *bd, struct ce_optval *v)
{
	const struct vsrc *src = bd->src;
	size_t i;
	int rc;

	if (bd->opt->type != CE_OPT_STRING_LIST) {
		if (src->ntext != 1) {
			bad_value(bd, " takes one value, found %zu", src->ntext);
			return -EINVAL;
		}
		return scalar_from_text(bd, v, src->text[0]);
	}
	if ((rc = list_alloc(v, src->ntext)) < 0)
		return rc;
	for (i = 0; i < src->ntext; i++) {
		rc = finish_string(bd, src->text[i],
		    src->ntext > 1 ? (unsigned)i + 1 : 0, &v->items[v->n]);
		if (rc == -ENOMEM)
			return rc;
		if (rc == 0)
			v->n++;
	}
	return v->n == src->ntext ? 0 : -EINVAL;
}

/* Drop whatever a failed or repeated bind left in v. */
static void
value_clear(struct ce_optval *v)
{
	wipe_free(v->str);
	v->str = NULL;
	free_strv(v->items, v->n);
	v->items = NULL;
	v->n = 0;
	v->integer = 0;
	v->decimal = 0;
}

static int
bind_value(struct ce_optctx *ctx, const struct ce_option *opt,
    const struct vsrc *src, struct ce_optval *v)
{
	struct bind bd = { ctx, opt, src, CE_BUF_INIT };
	int rc;

	value_clear(v);
	rc = src->setting != NULL ? from_setting(&bd, v) : from_text(&bd, v);
	ce_buf_free(&bd.subj);
	if (rc == -ENOMEM)
		return rc;
	if (rc < 0)
		value_clear(v);
	return 0;
}

/* Split a list default "a, b" at commas, trimming blanks. */
static int
split_default(const char *def, char ***out, size_t *n)
{
	const char *p = def, *end, *a, *b;
	char **v;
	size_t cap = 1, i = 0;

	for (; *p != '\0'; p++)
		cap += *p == ',';
	*out = v = calloc(cap + 1, sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	for (p = def; *def != '\0'; p = end + 1) {
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		for (a = p; a < end && (*a == ' ' || *a == '\t'); a++)
			;
		for (b = end; b > a && (b[-1] == ' ' || b[-1] == '\t'); b--)
			;
		if (b > a && (v[i++] = strndup(a, (size_t)(b - a))) == NULL) {
			free_strv(v, i);
			*out = NULL;
			return -ENOMEM;
		}
		if (*end == '\0')
			break;
	}
	*n = i;
	return 0;
}

static int
bind_default(struct ce_optctx *ctx, const struct ce_option *opt,
    struct ce_optval *v)
{
	const char *one[1] = { opt->def };
	char **items = NULL;
	size_t n = 1;
	int rc;
	struct vsrc src = {
		.text = one, .ntext = 1, .dir = ctx->dir, .file = ctx->file,
		.line = ctx->line, .tag = " (the plugin's default)"
	};

	if (ctx->plugin == NULL)
		src.tag = " (the default)";
	if (opt->def == NULL) {
		value_clear(v);
		if (opt->type == CE_OPT_ENUM)
			v->integer = -1;
		return opt->type == CE_OPT_STRING_LIST ? list_alloc(v, 0) : 0;
	}
	if (opt->type == CE_OPT_STRING_LIST) {
		if ((rc = split_default(opt->def, &items, &n)) < 0)
			return rc;
		src.text = (const char *const *)items;
	}
	src.ntext = n;
	rc = bind_value(ctx, opt, &src, v);
	free_strv(items, n);
	return rc;
}

static const struct ce_override *
override_find(const struct ce_optvals *vals, const char *key)
{
	const struct ce_override *o;

	for (o = vals != NULL ? vals->overrides : NULL; o != NULL; o = o->next)
		if (strcmp(o->key, key) == 0)
			return o;
	return NULL;
}

/* Members of the group, in file order. */
static int
bind_members(const struct table *t, const config_setting_t *group,
    const struct ce_optvals *prev, struct ce_optctx *ctx,
    struct ce_optvals *vals)
{
	const config_setting_t *m;
	const char *key, *file;
	unsigned i, n = (unsigned)config_setting_length(group);
	struct vsrc src;
	int idx, rc;

	for (i = 0; i < n; i++) {
		m = config_setting_get_elem(group, i);
		key = config_setting_name(m);
		file = config_setting_source_file(m);
		if (file == NULL)
			file = ctx->file;
		idx = table_find(t, key);
		if (idx < 0) {
			if (ctx->check_unknown && !in_list(ctx->reserved, key))
				report_unknown(ctx, t, key, file,
				    config_setting_source_line(m), "");
			continue;
		}
		vals->v[idx].given = 1;
		if (override_find(prev, key) != NULL)
			continue;
		memset(&src, 0, sizeof(src));
		src.setting = m;
		src.dir = ctx->dir;
		src.file = file;
		src.line = config_setting_source_line(m);
		src.tag = "";
		src.expand = 1;
		if ((rc = bind_value(ctx, &t->o[idx], &src, &vals->v[idx])) < 0)
			return rc;
	}
	return 0;
}

/* Command-line values, then defaults and required options. */
static int
bind_rest(const struct table *t, const struct ce_optvals *prev,
    struct ce_optctx *ctx, struct ce_optvals *vals)
{
	const struct ce_override *ov;
	struct ce_optval *v;
	struct vsrc src;
	size_t i;
	int rc = 0;

	for (ov = prev != NULL ? prev->overrides : NULL; ov; ov = ov->next)
		if (table_find(t, ov->key) < 0)
			report_unknown(ctx, t, ov->key, NULL, 0,
			    " (given on the command line)");
	for (i = 0; i < t->n && rc == 0; i++) {
		v = &vals->v[i];
		if ((ov = override_find(prev, t->o[i].name)) != NULL) {
			memset(&src, 0, sizeof(src));
			src.text = (const char *const *)ov->values;
			src.ntext = ov->n;
			src.dir = ov->dir;
			src.tag = " (given on the command line)";
			v->given = 1;
			rc = bind_value(ctx, &t->o[i], &src, v);
		} else if (v->given) {
			continue;
		} else if (t->o[i].flags & CE_OPT_REQUIRED) {
			report(ctx, ctx->file, ctx->line, "%s '%s%s'%s%s is "
			    "required%s%s%s", ctx->noun, ctx->prefix,
			    t->o[i].name, ctx->owner ? " of " : "",
			    ctx->owner ? ctx->owner : "",
			    t->o[i].help ? " (" : "",
			    t->o[i].help ? t->o[i].help : "",
			    t->o[i].help ? ")" : "");
		} else {
			rc = bind_default(ctx, &t->o[i], v);
		}
	}
	return rc;
}

static struct ce_optvals *
vals_new(const struct table *t)
{
	struct ce_optvals *vals = calloc(1, sizeof(*vals));
	size_t i;

	if (vals == NULL)
		return NULL;
	vals->v = calloc(t->n + 1, sizeof(*vals->v));
	if (vals->v == NULL) {
		free(vals);
		return NULL;
	}
	vals->n = t->n;
	for (i = 0; i < t->n; i++) {
		vals->v[i].type = t->o[i].type;
		vals->v[i].name = strdup(t->o[i].name);
		if (vals->v[i].name == NULL) {
			ce_optvals_free(vals);
			return NULL;
		}
	}
	return vals;
}

int
ce_optvals_bind(const struct ce_option *table, const config_setting_t *group,
    const struct ce_optvals *prev, struct ce_optctx *ctx,
    struct ce_optvals **out)
{
	struct table t = { 0, NULL };
	struct ce_optvals *vals = NULL;
	unsigned errors = ctx->errors;
	int rc;

	*out = NULL;
	rc = table_load(table, &t);
	if (rc == -EINVAL)
		report(ctx, ctx->file, ctx->line, "plugin '%s' is broken: an "
		    "entry of its option table is smaller than struct "
		    "ce_option (use CE_OPTION_HEADER)",
		    ctx->plugin ? ctx->plugin : "cloudengine");
	if (rc < 0)
		goto fail;
	table_check(&t, ctx);
	rc = -EINVAL;
	if (ctx->errors != errors)
		goto fail;
	rc = -ENOMEM;
	if ((vals = vals_new(&t)) == NULL)
		goto fail;
	if (group != NULL &&
	    (rc = bind_members(&t, group, prev, ctx, vals)) < 0)
		goto fail;
	if ((rc = bind_rest(&t, prev, ctx, vals)) < 0)
		goto fail;
	rc = -EINVAL;
	if (ctx->errors != errors)
		goto fail;
	table_free(&t);
	*out = vals;
	return 0;
fail:
	table_free(&t);
	ce_optvals_free(vals);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Overrides                                                           */
/* ------------------------------------------------------------------ */

static void
override_free(struct ce_override *o)
{
	free(o->key);
	free_strv(o->values, o->n);
	free(o->dir);
	free(o);
}

static struct ce_override *
override_new(const char *key, const char *const *values, size_t n)
{
	struct ce_override *o = calloc(1, sizeof(*o));

	if (o == NULL)
		return NULL;
	o->key = strdup(key);
	o->values = calloc(n + 1, sizeof(*o->values));
	o->dir = getcwd(NULL, 0);
	if (o->key == NULL || o->values == NULL || o->dir == NULL)
		goto fail;
	for (; o->n < n; o->n++)
		if ((o->values[o->n] = strdup(values[o->n])) == NULL)
			goto fail;
	return o;
fail:
	override_free(o);
	return NULL;
}

int
ce_optvals_override(struct ce_optvals **vals, const char *key,
    const char *const *values, size_t n)
{
	struct ce_override *o, **pp;

	if (*vals == NULL && (*vals = calloc(1, sizeof(**vals))) == NULL)
		return -ENOMEM;
	if ((o = override_new(key, values, n)) == NULL)
		return -ENOMEM;
	for (pp = &(*vals)->overrides; *pp != NULL; pp = &(*pp)->next) {
		if (strcmp((*pp)->key, key) == 0) {
			o->next = (*pp)->next;
			override_free(*pp);
			*pp = o;
			return 0;
		}
	}
	*pp = o;
	return 0;
}

void
ce_optvals_take_overrides(struct ce_optvals *to, struct ce_optvals *from)
{
	if (from == NULL)
		return;
	to->overrides = from->overrides;
	from->overrides = NULL;
}

/* ------------------------------------------------------------------ */
/* Using bound values                                                  */
/* ------------------------------------------------------------------ */

static void
write_value(const struct ce_option *o, const struct ce_optval *v, char *conf)
{
	const char *str = v->str;
	int flag = (int)v->integer;
	struct ce_strlist list = { v->n, (const char *const *)v->items };

	switch (o->type) {
	case CE_OPT_STRING:
	case CE_OPT_SECRET:
		memcpy(conf + o->offset, &str, sizeof(str));
		break;
	case CE_OPT_INTEGER:
		memcpy(conf + o->offset, &v->integer, sizeof(v->integer));
		break;
	case CE_OPT_BOOLEAN:
	case CE_OPT_ENUM:
		memcpy(conf + o->offset, &flag, sizeof(flag));
		break;
	case CE_OPT_DECIMAL:
		memcpy(conf + o->offset, &v->decimal, sizeof(v->decimal));
		break;
	case CE_OPT_STRING_LIST:
		memcpy(conf + o->offset, &list, sizeof(list));
		break;
	}
}

int
ce_options_apply(const struct ce_option *table, const struct ce_optvals *vals,
    void *conf)
{
	struct table t;
	size_t i, n = vals != NULL ? vals->n : 0;
	int rc;

	if ((rc = table_load(table, &t)) < 0)
		goto fail;
	rc = -EINVAL;
	if (t.n != n)
		goto fail;
	for (i = 0; i < n; i++)
		if (strcmp(t.o[i].name, vals->v[i].name) != 0 ||
		    t.o[i].type != vals->v[i].type)
			goto fail;
	for (i = 0; i < n; i++)
		write_value(&t.o[i], &vals->v[i], conf);
	table_free(&t);
	return 0;
fail:
	ce_error("option values do not match the option table they are "
	    "applied with (%s)", rc == -ENOMEM ? "out of memory" :
	    "a table changed after the configuration was checked");
	table_free(&t);
	return rc;
}

static int
str_differ(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a != b;
	return strcmp(a, b) != 0;
}

static int
value_differ(const struct ce_optval *a, const struct ce_optval *b)
{
	size_t i;

	if (strcmp(a->name, b->name) != 0 || a->type != b->type)
		return 1;
	switch (a->type) {
	case CE_OPT_STRING:
	case CE_OPT_SECRET:
	case CE_OPT_ENUM:
		return str_differ(a->str, b->str);
	case CE_OPT_INTEGER:
	case CE_OPT_BOOLEAN:
		return a->integer != b->integer;
	case CE_OPT_DECIMAL:
		return a->decimal != b->decimal;
	case CE_OPT_STRING_LIST:
		if (a->n != b->n)
			return 1;
		for (i = 0; i < a->n; i++)
			if (strcmp(a->items[i], b->items[i]) != 0)
				return 1;
		return 0;
	}
	return 1;
}

int
ce_optvals_differ(const struct ce_optvals *a, const struct ce_optvals *b)
{
	size_t i;

	if (a == NULL || b == NULL)
		return (a == NULL ? 0 : a->n) != 0 || (b == NULL ? 0 : b->n) != 0;
	if (a->n != b->n)
		return 1;
	for (i = 0; i < a->n; i++)
		if (value_differ(&a->v[i], &b->v[i]))
			return 1;
	return 0;
}

void
ce_optvals_free(struct ce_optvals *vals)
{
	struct ce_override *o, *next;
	size_t i;

	if (vals == NULL)
		return;
	for (i = 0; i < vals->n; i++) {
		value_clear(&vals->v[i]);
		free(vals->v[i].name);
	}
	free(vals->v);
	for (o = vals->overrides; o != NULL; o = next) {
		next = o->next;
		override_free(o);
	}
	free(vals);
}

/* A string as a libconfig literal. */
static void
put_quoted(FILE *fp, const char *s)
{
	struct ce_buf b = CE_BUF_INIT;

	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			ce_buf_printf(&b, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			ce_buf_printf(&b, "\\x%02x", (unsigned char)*s);
		else
			ce_buf_putc(&b, *s);
	}
	fprintf(fp, "\"%s\"", ce_buf_cstr(&b));
	ce_buf_free(&b);
}

void
ce_optvals_dump(const struct ce_optvals *vals, FILE *fp)
{
	const struct ce_optval *v;
	size_t i, j;

	for (i = 0; vals != NULL && i < vals->n; i++) {
		v = &vals->v[i];
		if (v->type == CE_OPT_SECRET) {
			fprintf(fp, "%s = <secret%s>;\n", v->name,
			    v->str ? "" : ", not set");
			continue;
		}
		if ((v->type == CE_OPT_STRING || v->type == CE_OPT_ENUM) &&
		    v->str == NULL) {
			fprintf(fp, "# %s is not set\n", v->name);
			continue;
		}
		fprintf(fp, "%s = ", v->name);
		switch (v->type) {
		case CE_OPT_INTEGER:
			fprintf(fp, "%" PRId64, v->integer);
			break;
		case CE_OPT_BOOLEAN:
			fputs(v->integer ? "true" : "false", fp);
			break;
		case CE_OPT_DECIMAL:
			fprintf(fp, "%.17g", v->decimal);
			break;
		case CE_OPT_STRING_LIST:
			fputs("[ ", fp);
			for (j = 0; j < v->n; j++) {
				put_quoted(fp, v->items[j]);
				fputs(j + 1 < v->n ? ", " : " ", fp);
			}
			fputs("]", fp);
			break;
		default:
			put_quoted(fp, v->str);
			break;
		}
		fputs(";\n", fp);
	}
}

static void
describe_type(struct ce_buf *b, const struct ce_option *o)
{
	switch (o->type) {
	case CE_OPT_STRING:
		ce_buf_puts(b, is_path(o) ? "path" : "string");
		break;
	case CE_OPT_SECRET:
		ce_buf_puts(b, "secret string");
		break;
	case CE_OPT_INTEGER:
		ce_buf_puts(b, "integer");
		if (o->min < o->max)
			ce_buf_printf(b, " %" PRId64 "..%" PRId64, o->min,
			    o->max);
		break;
	case CE_OPT_BOOLEAN:
		ce_buf_puts(b, "boolean");
		break;
	case CE_OPT_DECIMAL:
		ce_buf_puts(b, "number");
		break;
	case CE_OPT_ENUM:
		ce_buf_puts(b, "one of ");
		if (o->choices != NULL)
			put_choices(b, o->choices, "|");
		break;
	case CE_OPT_STRING_LIST:
		ce_buf_puts(b, is_path(o) ? "list of paths" : "list of strings");
		break;
	}
}

void
ce_options_describe(const struct ce_option *table, FILE *fp)
{
	struct ce_buf b = CE_BUF_INIT;
	struct table t;
	size_t i;

	if (table_load(table, &t) < 0) {
		fputs("  (the option table is malformed)\n", fp);
		return;
	}
	if (t.n == 0)
		fputs("  (no options)\n", fp);
	for (i = 0; i < t.n; i++) {
		ce_buf_reset(&b);
		describe_type(&b, &t.o[i]);
		if (t.o[i].flags & CE_OPT_REQUIRED)
			ce_buf_puts(&b, ", required");
		else if (t.o[i].def != NULL && t.o[i].type == CE_OPT_SECRET)
			ce_buf_puts(&b, ", default: (hidden)");
		else if (t.o[i].def != NULL)
			ce_buf_printf(&b, ", default: %s", t.o[i].def);
		fprintf(fp, "  %-20s %s\n", t.o[i].name, ce_buf_cstr(&b));
		if (t.o[i].help != NULL)
			fprintf(fp, "      %s\n", t.o[i].help);
	}
	ce_buf_free(&b);
	table_free(&t);
}
