/*
 * cmd_plugins.c - `cloudengine plugins`: the plugins found on the search
 * path, or one plugin's options, read from the plugins' own descriptors.
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
"name, kind, version, plugin ABI and file.  With NAME, print that plugin's\n"
"description and options (type, default, required, help).\n";

static void
load_search_path(struct ce_registry *reg, const struct ce_config *cfg,
    struct ce_diag *diag)
{
	const char *env = getenv("CLOUDENGINE_PLUGIN_PATH");
	char *copy, *dir, *save = NULL;
	size_t i;

	for (i = 0; cfg != NULL && cfg->plugin_dirs != NULL &&
	    cfg->plugin_dirs[i] != NULL; i++)
		ce_registry_load_dir(reg, cfg->plugin_dirs[i], diag);
	if (env != NULL && (copy = strdup(env)) != NULL) {
		for (dir = strtok_r(copy, ":", &save); dir != NULL;
		    dir = strtok_r(NULL, ":", &save))
			ce_registry_load_dir(reg, dir, diag);
		free(copy);
	}
	ce_registry_load_dir(reg, CE_PLUGINDIR, diag);
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

static void
list_plugins(const struct ce_registry *reg)
{
	const struct ce_plugin_entry *p, **v;
	size_t n = 0, i;

	for (p = reg->head; p != NULL; p = p->next)
		n++;
	if ((v = calloc(n + 1, sizeof(*v))) == NULL)
		return;
	for (p = reg->head, i = 0; p != NULL; p = p->next)
		v[i++] = p;
	qsort(v, n, sizeof(*v), entry_cmp);
	printf("%-12s %-10s %-10s %-5s %s\n", "NAME", "KIND", "VERSION", "ABI",
	    "FILE");
	for (i = 0; i < n; i++)
		printf("%-12s %-10s %-10s %u.%-3u %s\n", v[i]->desc.name,
		    ce_plugin_kind_name(v[i]->desc.kind),
		    v[i]->desc.version ? v[i]->desc.version : "-",
		    v[i]->desc.abi_major, v[i]->desc.abi_minor, v[i]->file);
	free(v);
}

static int
describe_plugin(const struct ce_registry *reg, const char *name)
{
	const struct ce_plugin_entry *p;
	int found = 0;

	for (p = reg->head; p != NULL; p = p->next) {
		if (strcmp(p->desc.name, name) != 0)
			continue;
		printf("%s%s %s %s (plugin ABI %u.%u)\n  %s\n  file: %s\n",
		    found ? "\n" : "", ce_plugin_kind_name(p->desc.kind),
		    p->desc.name, p->desc.version ? p->desc.version : "-",
		    p->desc.abi_major, p->desc.abi_minor,
		    p->desc.description ? p->desc.description : "",
		    p->file);
		printf("\noptions:\n");
		if (p->desc.options != NULL)
			ce_options_describe(p->desc.options, stdout);
		else
			printf("  (none)\n");
		found = 1;
	}
	if (!found)
		fprintf(stderr, "cloudengine plugins: no plugin named '%s'\n",
		    name);
	return found ? CE_EXIT_OK : CE_EXIT_CONFIG;
}

int
ce_cmd_plugins(int argc, char **argv)
{
	struct ce_config *cfg = NULL;
	struct ce_registry reg;
	struct ce_diag diag;
	struct ce_cli cli;
	const char *path;
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
	load_search_path(&reg, cfg, &diag);
	if (cli.first_arg < argc)
		rc = describe_plugin(&reg, argv[cli.first_arg]);
	else
		list_plugins(&reg);
	if (diag.errors > 0 && rc == CE_EXIT_OK)
		rc = CE_EXIT_CONFIG;
out:
	ce_diag_print(&diag, stderr);
	ce_registry_free(&reg);
	ce_config_free(cfg);
	ce_diag_free(&diag);
	return rc;
}
