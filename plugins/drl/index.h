/*
 * index.h - which rules can fire for an event: a hash of routing prefix
 * (eventSource) to buckets, and in each bucket a hash of required
 * eventName values, so rules that cannot match are never looked at.
 */
#ifndef DRL_INDEX_H
#define DRL_INDEX_H

#include <stddef.h>

#include "rule.h"
#include "strmap.h"

/* Rules in firing order. */
struct drl_rulelist {
	struct drl_rule	**v;
	size_t		  n, cap;
};

struct drl_bucket {
	struct drl_strmap	byname;	/* eventName -> struct drl_rulelist */
	struct drl_rulelist	any;	/* rules with no eventName equality */
};

struct drl_index {
	struct drl_strmap	sources;	/* eventSource -> struct drl_bucket */
	struct drl_bucket	all;		/* "*: ..." and unprefixed rules */
};

/* The (at most four) lists of candidate rules for an event. */
struct drl_candidates {
	const struct drl_rulelist	*lists[4];
	unsigned			 n;
};

/* Add every enabled rule of rules[0..n) (already in firing order). */
int	drl_index_build(struct drl_index *ix, struct drl_rule **rules, size_t n);
void	drl_index_free(struct drl_index *ix);
/* source / name may be NULL (absent or not a string). */
void	drl_index_lookup(const struct drl_index *ix, const char *source,
	    size_t srclen, const char *name, size_t namelen,
	    struct drl_candidates *out);

#endif /* DRL_INDEX_H */
