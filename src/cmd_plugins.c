/*
 * cmd_plugins.c - `cloudengine plugins`: the plugins found on the search
 * path, or one plugin's options, read from the plugins' own descriptors.
 *
 * The output is stable (sorted, no timestamps, columns sized from the
 * content) so that tests can compare it with a golden copy.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "config.h"
#include "diag.h"
#include "engine.h"
#include "loader.h"

static const char usage_plugins[] =
"usage: cloudengine plugins [-c FILE] [NAME]\n"
"\n"
"List the plugins found in the configuration's plugin_dirs, then\n"
"$CLOUDENGINE_PLUGIN_PATH, then " CE_PLUGINDIR ":\n"
"name, kind, version, plugin ABI and file, then the directories searched.\n"
"With NAME, print that plugin's description and options (type, default,\n"
"required, help).  Refused plugins are reported on standard error and\n"
"make the exit status 3.\n";

/* One directory of the search path, and why it is searched. */
struct search_dir {
	const char	*dir;
	const char	*from;
};

struct search_path {
	struct search_dir	*v;
	size_t			 n;
	char			*env;		/* copy of $CLOUDENGINE_PLUGIN_PATH,
						 * cut into v[].dir */
};

static int
search_add(struct search_path *sp, const char *dir, const char *from)
{
	struct search_dir *v = realloc(sp->v, (sp->n + 1) * sizeof(*v));

	if (v == NULL)
		return -1;
	sp->v = v;
	sp->v[sp->n].dir = dir;
	sp->v[sp->n].from = from;
	sp->n++;
	return 0;
}

/* The directories engine.c searches, in the same order. */
static int
search_build(struct search_path *sp, const struct ce_config *cfg)
{
	const char *env = getenv("CLOUDENGINE_PLUGIN_PATH");
	char *dir, *save = NULL;
	size_t i;

	for (i = 0; cfg != NULL && cfg->plugin_dirs != NULL &&
	    cfg->plugin_dirs[i] != NULL; i++)
		if (search_add(sp, cfg->plugin_dirs[i], "plugin_dirs") < 0)
			return -1;
	if (env != NULL && *env != '\0') {
		if ((sp->env = strdup(env)) == NULL)
			return -1;
		for (dir = strtok_r(sp->env, ":", &save); dir != NULL;
		    dir = strtok_r(NULL, ":", &save))
			if (search_add(sp, dir, "CLOUDENGINE_PLUGIN_PATH") < 0)
				return -1;
	}
	return search_add(sp, CE_PLUGINDIR, "built in");
}

static void
search_free(struct search_path *sp)
{
	free(sp->v);
	free(sp->env);
}

static int
entry_cmp(const void *a, const void *b)
{
	const struct ce_plugin_entry *x = *(const struct ce_plugin_entry *const *)a;
	const struct ce_plugin_entry *y = *(const struct ce_plugin_entry *const *)b;

	if (x->desc.kind != y->desc.kind)
		return (int)x->desc.kind - (int)y->desc.kind;
	return strcmp(x->desc.name, y->desc.name);
}

static const char *
version_of(const struct ce_plugin_entry *p)
{
	return p->desc.version != NULL && *p->desc.version != '\0' ?
	    p->desc.version : "-";
}

static int
widen(int w, const char *s)
{
	int n = (int)strlen(s);

	return n > w ? n : w;
}

/* The entries sorted by kind, then name; NULL on -ENOMEM. */
static const struct ce_plugin_entry **
sorted_entries(const struct ce_registry *reg, size_t *count)
{
	const struct ce_plugin_entry *p, **v;
	size_t n = 0, i = 0;

	for (p = reg->head; p != NULL; p = p->next)
		n++;
	if ((v = calloc(n + 1, sizeof(*v))) == NULL)
		return NULL;
	for (p = reg->head; p != NULL; p = p->next)
		v[i++] = p;
	qsort(v, n, sizeof(*v), entry_cmp);
	*count = n;
	return v;
}

/* Labels first: their width is fixed, so the output is too. */
static void
list_search_path(const struct search_path *sp)
{
	size_t i;

	printf("\nsearch path, in order:\n");
	for (i = 0; i < sp->n; i++)
		printf("  %-23s  %s\n", sp->v[i].from, sp->v[i].dir);
}

static int
list_plugins(const struct ce_registry *reg, const struct search_path *sp)
{
	const struct ce_plugin_entry **v;
	int wn = 4, wk = 4, wv = 7;
	char abi[32];
	size_t n, i;

	if ((v = sorted_entries(reg, &n)) == NULL) {
		fprintf(stderr, "cloudengine plugins: out of memory\n");
		return CE_EXIT_INTERNAL;
	}
	for (i = 0; i < n; i++) {
		wn = widen(wn, v[i]->desc.name);
		wk = widen(wk, ce_plugin_kind_name(v[i]->desc.kind));
		wv = widen(wv, version_of(v[i]));
	}
	if (n == 0)
		printf("no plugins found\n");
	else
		printf("%-*s  %-*s  %-*s  %-5s  %s\n", wn, "NAME", wk, "KIND",
		    wv, "VERSION", "ABI", "FILE");
	for (i = 0; i < n; i++) {
		snprintf(abi, sizeof(abi), "%u.%u", v[i]->desc.abi_major,
		    v[i]->desc.abi_minor);
		printf("%-*s  %-*s  %-*s  %-5s  %s\n", wn, v[i]->desc.name, wk,
		    ce_plugin_kind_name(v[i]->desc.kind), wv, version_of(v[i]),
		    abi, v[i]->file);
	}
	list_search_path(sp);
	free(v);
	return CE_EXIT_OK;
}

/* The keys the host reads itself, beside the plugin's options. */
static void
describe_host_keys(enum ce_plugin_kind kind)
{
	printf("\nkeys every %s instance also takes (read by cloudengine):\n",
	    ce_plugin_kind_name(kind));
	printf("  %-20s %s\n      %s\n", "plugin", "string, required",
	    "the plugin's name");
	printf("  %-20s %s\n      %s\n", "name", "string",
	    "the instance's name (default: the plugin's name)");
	if (kind != CE_KIND_OUTPUT)
		return;
	printf("  %-20s %s\n      %s\n", "aliases", "list of strings",
	    "more names rules may use for this output");
	printf("  %-20s %s\n      %s\n", "min_severity",
	    "one of critical|high|medium|low|info",
	    "least severe alert delivered (default: all)");
}

static int
describe_plugin(const struct ce_registry *reg, const char *name)
{
	const struct ce_plugin_entry **v;
	int found = 0;
	size_t n, i;

	if ((v = sorted_entries(reg, &n)) == NULL) {
		fprintf(stderr, "cloudengine plugins: out of memory\n");
		return CE_EXIT_INTERNAL;
	}
	for (i = 0; i < n; i++) {
		const struct ce_plugin_entry *p = v[i];

		if (strcmp(p->desc.name, name) != 0)
			continue;
		printf("%s%s %s %s (plugin ABI %u.%u)\n  %s\n  file: %s\n",
		    found ? "\n" : "", ce_plugin_kind_name(p->desc.kind),
		    p->desc.name, version_of(p), p->desc.abi_major,
		    p->desc.abi_minor,
		    p->desc.description ? p->desc.description : "",
		    p->file);
		printf("\noptions:\n");
		if (p->desc.options != NULL)
			ce_options_describe(p->desc.options, stdout);
		else
			printf("  (no options)\n");
		describe_host_keys(p->desc.kind);
		found = 1;
	}
	free(v);
	if (!found)
		fprintf(stderr, "cloudengine plugins: no plugin named '%s' "
		    "(`cloudengine plugins` lists those found)\n", name);
	return found ? CE_EXIT_OK : CE_EXIT_CONFIG;
}

int
ce_cmd_plugins(int argc, char **argv)
{
	struct search_path sp = { NULL, 0, NULL };
	struct ce_config *cfg = NULL;
	struct ce_registry reg;
	struct ce_diag diag;
	struct ce_cli cli;
	const char *path;
	size_t i;
	int rc;

	if ((rc = ce_cli_parse(argc, argv, &cli, 0, usage_plugins)) != 0 ||
	    cli.help)
		return rc;
	if (argc - cli.first_arg > 1) {
		fputs(usage_plugins, stderr);
		return CE_EXIT_USAGE;
	}
	ce_diag_init(&diag);
	ce_registry_init(&reg);
	/* Without -c, a missing default configuration is no error here:
	 * listing what is installed must work before anything is set up. */
	path = cli.config != NULL ? cli.config : ce_engine_default_config();
	if ((cli.config != NULL || access(path, F_OK) == 0) &&
	    ce_config_load(path, &cfg, &diag) < 0) {
		rc = CE_EXIT_CONFIG;
		goto out;
	}
	if (search_build(&sp, cfg) < 0) {
		fprintf(stderr, "cloudengine plugins: out of memory\n");
		rc = CE_EXIT_INTERNAL;
		goto out;
	}
	for (i = 0; i < sp.n; i++)
		ce_registry_load_dir(&reg, sp.v[i].dir, &diag);
	if (cli.first_arg < argc)
		rc = describe_plugin(&reg, argv[cli.first_arg]);
	else
		rc = list_plugins(&reg, &sp);
	if (diag.errors > 0 && rc == CE_EXIT_OK)
		rc = CE_EXIT_CONFIG;
out:
	ce_diag_print(&diag, stderr);
	ce_registry_free(&reg);
	search_free(&sp);
	ce_config_free(cfg);
	ce_diag_free(&diag);
	return rc;
}
