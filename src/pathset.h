/*
 * pathset.h - compiled paths looked up together (plugin.h: pathset_compile,
 * event_get_set).  The set is a trie of the paths' steps, so that one walk
 * of a record (event.c) finds the values of all of them, each member on
 * the way looked up once, however many paths go through it.
 */
#ifndef CE_PATHSET_H
#define CE_PATHSET_H

#include <stddef.h>
#include <stdint.h>

#include "cloudengine/plugin.h"

/* An edge by member name, in a node's open-addressing table, placed by
 * json-c's own hash of the name: the walk hashes a record's member names
 * with the function of the record's tables and finds them here. */
struct ce_pset_member {
	const char	*name;		/* NULL: empty slot; else NUL-terminated,
					 * owned by the set */
	unsigned long	 jhash;		/* json-c's hash of name, by jhash_fn */
	uint32_t	 child;
};

/* An edge by array index. */
struct ce_pset_index {
	size_t		 index;
	uint32_t	 child;
};

struct ce_pset_node {
	struct ce_pset_member	*members;	/* membercap slots, or NULL */
	uint32_t		 membercap;	/* 0 or a power of two */
	uint32_t		 nmembers;
	struct ce_pset_index	*indices;	/* nindices, in index order */
	uint32_t		 nindices;
	uint32_t		*ends;		/* the set's indices of the paths
						 * whose value is here */
	uint32_t		 nends;
};

/* A path with the "root" rule (path.h), looked up alone. */
struct ce_pset_root {
	const ce_path		*path;		/* borrowed: the caller keeps it
						 * as long as the set */
	uint32_t		 end;		/* its index in the set */
};

struct ce_pathset {
	struct ce_pset_node	*nodes;		/* [0]: the record */
	size_t			 nnodes;
	struct ce_pset_root	*roots;
	size_t			 nroots;
	/* The json-c object hash the jhash members were made with. */
	unsigned long		(*jhash_fn)(const void *);
};

ce_pathset	*ce_pathset_compile(ce_path *const *paths, size_t n,
		    char *err, size_t errlen);
void		 ce_pathset_free(ce_pathset *set);

#endif /* CE_PATHSET_H */
