/*
 * load.h - building an engine from the configuration: rule files and
 * directories read and compiled, rules disabled or re-rated by name,
 * firing order fixed, index built.
 */
#ifndef DRL_LOAD_H
#define DRL_LOAD_H

#include "cloudengine/plugin.h"
#include "diag.h"
#include "engine.h"

/*
 * Read every path (a directory: its *.drl files, sorted by name; a file:
 * itself), parse and compile each rule, apply disable and overrides
 * ("rule name=severity"), then order and index the rules.  Every problem
 * goes through diag.  Returns 0 (the engine is usable only when
 * diag->errors is 0), or -ENOMEM.
 */
int	drl_load(struct drl_engine *eng, struct drl_diag *diag,
	    const struct ce_strlist *paths, const struct ce_strlist *disable,
	    const struct ce_strlist *overrides);

/* Parse and compile one rule file given as text (tests, tools). */
int	drl_load_text(struct drl_engine *eng, struct drl_diag *diag,
	    const char *path, const char *text, size_t len);
/* Order and index what was loaded; call once, after the last file. */
int	drl_load_finish(struct drl_engine *eng);

#endif /* DRL_LOAD_H */
