/*
 * strmap.h - a hash map from byte strings to pointers (open addressing),
 * for interning keys and groups and for the rule index.
 */
#ifndef DRL_STRMAP_H
#define DRL_STRMAP_H

#include <stddef.h>
#include <stdint.h>

struct drl_strmap_slot {
	const char	*key;		/* not copied: must outlive the map */
	size_t		 len;
	uint64_t	 hash;
	void		*value;
};

struct drl_strmap {
	struct drl_strmap_slot	*slots;
	size_t			 cap;	/* power of two, or 0 */
	size_t			 n;
};

uint64_t drl_hash(const char *s, size_t len);
/* NULL when absent. */
void	*drl_strmap_get(const struct drl_strmap *m, const char *key, size_t len);
/* Insert or replace.  Returns 0, or -ENOMEM. */
int	 drl_strmap_put(struct drl_strmap *m, const char *key, size_t len,
	    void *value);
void	 drl_strmap_free(struct drl_strmap *m);

#endif /* DRL_STRMAP_H */
