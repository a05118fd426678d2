/* Compiles a parsed search query (search_query.h) to a PostgreSQL boolean
 * expression over a jsonb column of flattened search keys
 * (search_flatten.h; nodes.search_keys, migration 010).
 *
 * Every user-supplied string, field names included, is a bind parameter
 * ($first_param, $first_param+1, ...) passed as text; the SQL text holds
 * only the caller's column expression, fixed SQL and parameter numbers.
 * The SQL matches exactly what search_match() matches:
 *
 *   FIELD:VALUE     col @> jsonb_build_object($f::text, jsonb_build_array($v::text))
 *   FIELD:*         col ? $f::text
 *   FIELD:web*      EXISTS (... jsonb_array_elements_text(col -> $f::text) ...
 *                           WHERE x LIKE $p::text)    (* -> %, ? -> _, \ escapes)
 *   FIELD:[a TO b]  EXISTS (... WHERE x COLLATE "C" >= $lo::text AND ...)
 *                   numeric: CASE WHEN x is a number THEN x::numeric >= $lo::numeric ...
 *   *:VALUE         the same over every key (jsonb_each(col))
 *   *:*             TRUE
 *
 * Exact matches and FIELD:* use operators the GIN index on the column
 * (jsonb_ops) serves. The subqueries use the aliases pushy_f and pushy_v;
 * column_expr must not name those. */
#ifndef PUSHY_SHARED_SEARCH_SQL_H
#define PUSHY_SHARED_SEARCH_SQL_H

#include "shared/search_query.h"

struct search_sql {
    char *sql;       /* the boolean expression, malloc'd */
    char **params;   /* params[i] is $(first_param + i); malloc'd strings */
    int nparams;
};

/* Fills out for query q over column_expr (trusted SQL written by the
 * caller, e.g. "n.search_keys"), numbering parameters from first_param
 * (>= 1) so they can follow the caller's own. Returns 0, or -1 on bad
 * arguments or allocation failure (out is then empty). */
int search_to_sql(const struct search_query *q, const char *column_expr, int first_param,
                  struct search_sql *out);
void search_sql_free(struct search_sql *s);

#endif
