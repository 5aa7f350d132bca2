/*
 * load.c - rule files to a ready engine: reading, compiling, config by
 * rule name, firing order, index.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "compile.h"
#include "load.h"
#include "parser.h"

/* Rule files larger than this are refused (a typo in a path, not rules). */
/* The default of the max_rule_file_bytes option. */
#define DRL_MAX_RULE_FILE	((size_t)64 * 1024 * 1024)

static int
add_rule(struct drl_engine *eng, struct drl_diag *diag, struct drl_rule *r)
{
	struct drl_rule *prev;

	prev = drl_strmap_get(&eng->names, r->name, strlen(r->name));
	if (prev != NULL && strcmp(prev->file, r->file) == 0) {
		drl_error(diag, r->line, r->col,
		    "duplicate rule name \"%s\" (first defined on line %u)",
		    r->name, prev->line);
		return 0;
	}
	if (prev != NULL) {
		drl_error(diag, r->line, r->col,
		    "duplicate rule name \"%s\" (first defined at %s:%u)",
		    r->name, prev->file, prev->line);
		return 0;
	}
	if (drl_strmap_put(&eng->names, r->name, strlen(r->name), r) < 0)
		return -ENOMEM;
	if (eng->nrules == eng->caprules) {
		size_t cap = eng->caprules ? eng->caprules * 2 : 64;
		struct drl_rule **v = realloc(eng->rules, cap * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		eng->rules = v;
		eng->caprules = cap;
	}
	r->order = (unsigned)eng->nrules;
	eng->rules[eng->nrules++] = r;
	return 0;
}

int
drl_load_text(struct drl_engine *eng, struct drl_diag *diag, const char *path,
    const char *text, size_t len)
{
	struct drl_file file;
	struct drl_rule *r;
	const char *saved = diag->file;
	char *kept;
	int rc;

	/* Alerts name the file: keep the path as long as the rules. */
	if ((kept = drl_arena_strdup(&eng->arena, path)) == NULL)
		return -ENOMEM;
	diag->file = kept;
	rc = drl_parse(kept, text, len, &eng->arena, diag, &file);
	for (r = file.rules; rc == 0 && r != NULL; r = r->next) {
		if ((rc = drl_compile_rule(eng, diag, &file, r)) == 0)
			rc = add_rule(eng, diag, r);
	}
	drl_diag_flush(diag);
	diag->file = saved;
	return rc;
}

static int
read_file(const char *path, size_t max, char **out, size_t *len, int *err)
{
	FILE *fp = NULL;
	struct stat st;
	char *buf = NULL;
	size_t n;

	*err = 0;
	/* Opening a FIFO would wait for a writer: look first. */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) &&
	    !S_ISDIR(st.st_mode)) {
		*err = EINVAL;
		goto fail;
	}
	if ((fp = fopen(path, "rb")) == NULL || fstat(fileno(fp), &st) < 0) {
		*err = errno;
		goto fail;
	}
	if (!S_ISREG(st.st_mode) || (uintmax_t)st.st_size > max) {
		*err = S_ISDIR(st.st_mode) ? EISDIR : S_ISREG(st.st_mode) ?
		    EFBIG : EINVAL;
		goto fail;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		fclose(fp);
		return -ENOMEM;
	}
	n = fread(buf, 1, (size_t)st.st_size, fp);
	if (ferror(fp)) {
		*err = EIO;
		goto fail;
	}
	buf[n] = '\0';
	fclose(fp);
	*out = buf;
	*len = n;
	return 0;
fail:
	free(buf);
	if (fp != NULL)
		fclose(fp);
	return -1;
}

static int
load_file(struct drl_engine *eng, struct drl_diag *diag, const char *path)
{
	size_t max = eng->max_file_bytes ? eng->max_file_bytes :
	    DRL_MAX_RULE_FILE;
	char *text = NULL;
	size_t len = 0;
	int rc, err;

	rc = read_file(path, max, &text, &len, &err);
	if (rc == -ENOMEM)
		return rc;
	if (rc < 0) {
		diag->file = path;
		if (err == EFBIG)
			drl_error(diag, 0, 0, "rule file larger than %zu bytes "
			    "(max_rule_file_bytes)", max);
		else if (err == EINVAL)
			drl_error(diag, 0, 0, "not a regular file");
		else
			drl_error(diag, 0, 0, "cannot read rule file: %s",
			    strerror(err));
		drl_diag_flush(diag);
		diag->file = NULL;
		return 0;
	}
	rc = drl_load_text(eng, diag, path, text, len);
	free(text);
	return rc;
}

static int
is_rule_file(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 4 && strcmp(name + n - 4, ".drl") == 0;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every *.drl of dir, in byte order of their names (not the locale's). */
static int
load_dir(struct drl_engine *eng, struct drl_diag *diag, const char *dir)
{
	char **names = NULL, **nv, *path;
	size_t n = 0, cap = 0, i, plen;
	struct dirent *de;
	DIR *d;
	int rc = 0;

	if ((d = opendir(dir)) == NULL) {
		diag->file = dir;
		drl_error(diag, 0, 0, "cannot read rule directory: %s",
		    strerror(errno));
		drl_diag_flush(diag);
		diag->file = NULL;
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		if (!is_rule_file(de->d_name))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((nv = realloc(names, cap * sizeof(*nv))) == NULL) {
				rc = -ENOMEM;
				goto done;
			}
			names = nv;
		}
		if ((names[n] = strdup(de->d_name)) == NULL) {
			rc = -ENOMEM;
			goto done;
		}
		n++;
	}
	if (n == 0) {
		diag->file = dir;
		drl_warning(diag, 0, 0, "no *.drl rule file in this directory");
		drl_diag_flush(diag);
		diag->file = NULL;
	}
	qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n && rc == 0; i++) {
		plen = strlen(dir) + strlen(names[i]) + 2;
		if ((path = malloc(plen)) == NULL) {
			rc = -ENOMEM;
			break;
		}
		snprintf(path, plen, "%s%s%s", dir,
		    dir[0] && dir[strlen(dir) - 1] == '/' ? "" : "/", names[i]);
		rc = load_file(eng, diag, path);
		free(path);
	}
done:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return rc;
}

static int
load_path(struct drl_engine *eng, struct drl_diag *diag, const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return load_dir(eng, diag, path);
	return load_file(eng, diag, path);
}

/* ------------------------------------------------------------------ */
/* Configuration by rule name                                          */
/* ------------------------------------------------------------------ */

static void
apply_disable(struct drl_engine *eng, struct drl_diag *diag,
    const struct ce_strlist *disable)
{
	struct drl_rule *r;
	size_t i;

	for (i = 0; disable != NULL && i < disable->n; i++) {
		const char *name = disable->items[i];

		r = drl_strmap_get(&eng->names, name, strlen(name));
		if (r == NULL)
			drl_warning(diag, 0, 0,
			    "disable: there is no rule named \"%s\"", name);
		else
			r->disabled = 1;
	}
}

static const char *
severity_name(const char *s, size_t n)
{
	static const char *const names[] = {
		"critical", "high", "medium", "low", "info", NULL
	};
	int i;

	for (i = 0; names[i] != NULL; i++) {
		if (strlen(names[i]) == n && memcmp(names[i], s, n) == 0)
			return names[i];
	}
	return NULL;
}

static void
set_severity(struct drl_rule *r, const char *severity)
{
	unsigned i;

	r->severity = severity;
	for (i = 0; i < r->nalerts; i++)
		r->alerts[i].severity = severity;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* "rule name=severity": the last '=' splits, since names may hold one. */
static void
apply_overrides(struct drl_engine *eng, struct drl_diag *diag,
    const struct ce_strlist *overrides)
{
	const char *item, *eq, *sev, *end;
	size_t namelen;
	struct drl_rule *r;
	size_t i;

	for (i = 0; overrides != NULL && i < overrides->n; i++) {
		item = overrides->items[i];
		if ((eq = strrchr(item, '=')) == NULL) {
			drl_error(diag, 0, 0,
			    "severity_overrides: \"%s\": expected \"rule name=severity\"",
			    item);
			continue;
		}
		namelen = (size_t)(eq - item);
		while (namelen > 0 && is_blank(item[namelen - 1]))
			namelen--;
		for (sev = eq + 1; is_blank(*sev); sev++)
			;
		for (end = sev + strlen(sev); end > sev && is_blank(end[-1]); end--)
			;
		if (severity_name(sev, (size_t)(end - sev)) == NULL) {
			drl_error(diag, 0, 0,
			    "severity_overrides: \"%s\": unknown severity \"%.*s\" (expected critical, high, medium, low or info)",
			    item, (int)(end - sev), sev);
			continue;
		}
		r = drl_strmap_get(&eng->names, item, namelen);
		if (r == NULL) {
			drl_warning(diag, 0, 0,
			    "severity_overrides: there is no rule named \"%.*s\"",
			    (int)namelen, item);
			continue;
		}
		set_severity(r, severity_name(sev, (size_t)(end - sev)));
	}
}

/* Higher salience first; equal salience in load order. */
static int
cmp_firing(const void *a, const void *b)
{
	const struct drl_rule *x = *(struct drl_rule *const *)a;
	const struct drl_rule *y = *(struct drl_rule *const *)b;

	if (x->salience != y->salience)
		return x->salience > y->salience ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

int
drl_load_finish(struct drl_engine *eng)
{
	struct drl_rule *r;
	size_t i;
	int rc;

	if (eng->nrules > 0)
		qsort(eng->rules, eng->nrules, sizeof(*eng->rules), cmp_firing);
	free(eng->hot);
	if ((eng->hot = calloc(eng->nrules ? eng->nrules : 1,
	    sizeof(*eng->hot))) == NULL)
		return -ENOMEM;
	for (i = 0; i < eng->nrules; i++) {
		r = eng->rules[i];
		r->rank = (unsigned)i;
		eng->hot[i].cond = r->cond;
		eng->hot[i].group_id = r->group_id;
		eng->hot[i].dated = r->has_effective || r->has_expires;
	}
	if ((rc = drl_index_build(&eng->index, eng->rules, eng->nrules)) < 0)
		return rc;
	return drl_engine_keyset(eng);
}

int
drl_load(struct drl_engine *eng, struct drl_diag *diag,
    const struct ce_strlist *paths, const struct ce_strlist *disable,
    const struct ce_strlist *overrides)
{
	size_t i;
	int rc;

	for (i = 0; paths != NULL && i < paths->n; i++) {
		if ((rc = load_path(eng, diag, paths->items[i])) < 0) {
			drl_diag_flush(diag);
			return rc;
		}
	}
	apply_disable(eng, diag, disable);
	apply_overrides(eng, diag, overrides);
	drl_diag_flush(diag);
	return drl_load_finish(eng);
}
