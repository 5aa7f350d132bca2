/*
 * compile.h - the semantic pass over a parsed rule: keys resolved to
 * compiled paths, regexes compiled, types checked, outputs checked against
 * the configured ones, routing and eventName index keys derived.
 */
#ifndef DRL_COMPILE_H
#define DRL_COMPILE_H

#include "diag.h"
#include "engine.h"
#include "rule.h"

/*
 * Complete r (from file f) for evaluation.  Errors and warnings go
 * through diag; the rule must not be used when diag->errors grew.
 * Returns 0, or -ENOMEM.
 */
int	drl_compile_rule(struct drl_engine *eng, struct drl_diag *diag,
	    const struct drl_file *f, struct drl_rule *r);

#endif /* DRL_COMPILE_H */
