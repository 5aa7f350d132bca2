/*
 * engine.h - one evaluator instance: its compiled rules (immutable after
 * init), interned keys and regexes, and the routing index.
 */
#ifndef DRL_ENGINE_H
#define DRL_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "cloudengine/plugin.h"
#include "arena.h"
#include "index.h"
#include "regex.h"
#include "rule.h"
#include "strmap.h"

/*
 * What deciding whether a candidate runs reads of its rule, by rank, in
 * one dense array: eval.c prefetches an entry as soon as the index hands
 * the rank out, so that the candidates' misses overlap, and reaches the
 * rule itself only when it is dated or fires.
 */
struct drl_hot {
	const struct drl_node	*cond;		/* NULL: always */
	int			 group_id;	/* activation group, or -1 */
	int			 dated;		/* date-effective or -expires */
};

struct drl_engine {
	const struct ce_host	*host;
	ce_instance		*self;
	struct drl_arena	 arena;		/* rules, nodes, strings */
	struct drl_regex_env	 rx;

	struct drl_strmap	 keys;		/* key text -> struct drl_key */
	struct drl_key		**keyv;		/* the same by id: nkeys */
	unsigned		 nkeys, capkeys;
	struct drl_key		*k_source;	/* eventSource */
	struct drl_key		*k_name;	/* eventName */

	struct drl_regex	**regexes;	/* owned, freed by destroy */
	size_t			 nregexes, capregexes;

	struct drl_rule		**rules;	/* in firing order (rank) */
	size_t			 nrules, caprules;
	struct drl_hot		*hot;		/* by rank: nrules of them */
	struct drl_strmap	 names;		/* rule name -> struct drl_rule */

	struct drl_strmap	 groups;	/* activation-group -> id + 1 */
	unsigned		 ngroups;

	struct drl_index	 index;
	/* Every key without "[*]", by id (NULL for the others), to be looked
	 * up in one walk of an event that needs many of them (eval.c), when
	 * the rules have DRL_SET_MIN_KEYS keys or more; else NULL. */
	ce_pathset		*keyset;
	uint64_t		*keyset_ids;	/* bit id set: key id is in it (a
						 * look-up tells without reading
						 * the key) */
	int			 has_dates;
	size_t			 max_file_bytes;	/* 0: DRL_MAX_RULE_FILE */

	ce_metric		*m_evaluated;	/* rules whose conditions ran */
	ce_metric		*m_fired;
	ce_metric		*m_regex_limit;
};

/* Make an empty engine; -ENOMEM. */
int	drl_engine_init(struct drl_engine *eng, const struct ce_host *host,
	    ce_instance *self, uint32_t regex_match_limit);
void	drl_engine_free(struct drl_engine *eng);

/* Intern a key: its path is compiled once.  NULL with a message in err. */
struct drl_key *drl_engine_key(struct drl_engine *eng, const char *text,
	    size_t len, char *err, size_t errlen);
/* Keys from which a set of them is made (engine.h: keyset). */
#define DRL_SET_MIN_KEYS	64

/* Make eng->keyset once every key is interned.  0 or -ENOMEM. */
int	drl_engine_keyset(struct drl_engine *eng);
/* Keep a compiled regex for destroy().  -ENOMEM. */
int	drl_engine_keep_regex(struct drl_engine *eng, struct drl_regex *re);

/* Decide which rules fire for ev and report them (eval.c). */
int	drl_engine_evaluate(const struct drl_engine *eng, const ce_event *ev,
	    ce_alert_sink *sink);

#endif /* DRL_ENGINE_H */
