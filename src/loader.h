/*
 * loader.h - finding, opening and checking plugins: dlopen(), the
 * descriptor's version, size, kind and callbacks, duplicate names; and
 * descriptors given from memory (tests, built-ins).
 */
#ifndef CE_LOADER_H
#define CE_LOADER_H

#include "cloudengine/plugin.h"
#include "diag.h"

struct ce_plugin_entry {
	struct ce_plugin	 desc;		/* zero-extended copy of the plugin's
						 * descriptor: members it does not
						 * know read as NULL / 0 */
	char			*file;		/* path, or "<memory>" origin */
	void			*dl;		/* dlopen() handle or NULL */
	struct ce_plugin_entry	*next;
};

struct ce_registry {
	struct ce_plugin_entry	*head;
};

void	ce_registry_init(struct ce_registry *reg);
/* dlclose() everything; call only after every instance is destroyed. */
void	ce_registry_free(struct ce_registry *reg);

/*
 * Load every "*.so" in dir (sorted by name).  A missing directory is not
 * an error.  A plugin whose kind and name were already registered from an
 * earlier directory is skipped (earlier directories take precedence); the
 * same kind and name twice in one directory is an error.  Every refusal is
 * reported to diag naming the file and the problem; returns 0 or -EINVAL.
 */
int	ce_registry_load_dir(struct ce_registry *reg, const char *dir,
	    struct ce_diag *diag);
int	ce_registry_load_file(struct ce_registry *reg, const char *path,
	    struct ce_diag *diag);
/* Register a descriptor from memory, with the same checks. */
int	ce_registry_add(struct ce_registry *reg, const struct ce_plugin *desc,
	    const char *origin, struct ce_diag *diag);

const struct ce_plugin_entry *ce_registry_find(const struct ce_registry *reg,
	    enum ce_plugin_kind kind, const char *name);

#endif /* CE_LOADER_H */
