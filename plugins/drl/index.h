/*
 * index.h - which rules can fire for an event: a hash of routing prefix
 * (eventSource) to buckets, in each bucket a hash of required eventName
 * values, and in each of those sets hashes on the values of other keys the
 * rules require, so rules that cannot match are never looked at.
 */
#ifndef DRL_INDEX_H
#define DRL_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "rule.h"
#include "strmap.h"
#include "value.h"

/*
 * One necessary condition of a rule (a struct drl_eq on a key without
 * "[*]"), laid out so that checking it touches only this array and the
 * event: a rule whose checks fail is never looked at.  An event's value
 * passes when it is a string whose hash is one of hashes (a hash
 * collision only lets a rule through to full evaluation), or a number or
 * boolean and loose is set; or, with nvals 0, when it is a string holding
 * needle (NULL: any string).
 */
struct drl_check {
	unsigned		 key_id;	/* key->id, for the value cache */
	unsigned		 nvals;
	const struct drl_key	*key;
	const uint64_t		*hashes;	/* drl_hash() of each value */
	const char		*needle;
	size_t			 needle_len;
	int			 loose;
};

/*
 * A rule as the index hands it out: its firing rank and its checks kept
 * beside it, so that choosing candidates reads these arrays in order and
 * never the rules themselves.
 */
struct drl_post {
	unsigned		 rank;
	unsigned		 nchecks;
	const struct drl_check	*checks;	/* nchecks of them, or NULL */
	struct drl_rule		*rule;
};

/* Rules in firing order. */
struct drl_rulelist {
	struct drl_post	*v;
	size_t		 n, cap;
};

/* A rule that needs the key's string to contain some text. */
struct drl_needle {
	const char		*text;
	size_t			 len;
	struct drl_post		 post;
	struct drl_rulelist	 one;		/* just post, to hand out */
};

/*
 * The rules of a set that require one key to equal one of some strings,
 * hashed by those strings (an alpha node of a Rete network), or to be a
 * string holding some text, or only to be a string.  A string in the
 * event finds its rules in byvalue, those of the needles it contains, and
 * those of strings; a number or a boolean can only equal the strings that
 * read as one, whose rules are also in loose; null, {} and [] equal none.
 */
struct drl_keyed {
	unsigned		 key_id;	/* key->id, at hand */
	int			 multi;		/* key->multi: "[*]", so every
						 * value of it counts */
	const struct drl_key	*key;
	/* One value only (most keys of a set): kept here, not hashed, so
	 * that a look-up touches this struct alone unless the length
	 * matches. */
	const char		*one_value;
	size_t			 one_len;
	struct drl_rulelist	*one_list;
	struct drl_strmap	 byvalue;	/* value -> struct drl_rulelist */
	struct drl_rulelist	 loose;
	struct drl_rulelist	 strings;	/* any string will do */
	struct drl_needle	*needles;	/* in firing order */
	size_t			 nneedles, capneedles;
};

/* Rules that share a routing prefix and an eventName (or have none). */
struct drl_set {
	struct drl_rulelist	 plain;		/* no key to hash on: always run */
	struct drl_keyed	*keyed;		/* an array: one pass over it,
						 * in memory order, per event */
	size_t			 nkeyed, capkeyed;
	struct drl_rulelist	 build;		/* every rule, while building */
};

struct drl_bucket {
	struct drl_strmap	byname;	/* eventName -> struct drl_set */
	struct drl_set		any;	/* rules with no eventName equality */
};

struct drl_index {
	struct drl_strmap	sources;	/* eventSource -> struct drl_bucket */
	struct drl_bucket	all;		/* "*: ..." and unprefixed rules */
	struct drl_post		*posts;		/* by rule->rank: each rule's post */
	size_t			 nposts;
	struct drl_check	*checks;	/* every rule's, one block */
	uint64_t		*hashes;	/* every check's values, one block */
};

/* Fetch the value of k (whose id is id) in the event being evaluated. */
typedef void (*drl_fetch_fn)(void *arg, unsigned id, const struct drl_key *k,
    struct drl_val *out);
/* Call fn(cb, value) for each value of the "[*]" key k in the event being
 * evaluated; returns fn's first non-zero result, or 0. */
typedef int (*drl_each_fn)(void *arg, const struct drl_key *k,
    int (*fn)(void *cb, const struct drl_val *v), void *cb);
/* Take one more list of candidate rules; 0 or -ENOMEM. */
typedef int (*drl_take_fn)(void *arg, const struct drl_rulelist *l);

/* How a lookup reaches the event and hands out what it finds. */
struct drl_lookup {
	drl_fetch_fn	 fetch;
	drl_each_fn	 each;
	drl_take_fn	 take;
	void		*arg;
};

/* Add every enabled rule of rules[0..n) (already in firing order). */
int	drl_index_build(struct drl_index *ix, struct drl_rule **rules, size_t n);
void	drl_index_free(struct drl_index *ix);
/*
 * Hand take() every list of candidate rules for an event (each in firing
 * order; a rule may come in several, through several values of a "[*]"
 * key).  source / name may be NULL (absent or not a string).  Returns 0
 * or take()'s error.
 */
int	drl_index_lookup(const struct drl_index *ix, const char *source,
	    size_t srclen, const char *name, size_t namelen,
	    const struct drl_lookup *lk);

#endif /* DRL_INDEX_H */
