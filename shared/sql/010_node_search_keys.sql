-- Search (issue 8): each node's attributes flattened for search by
-- shared/search_flatten.c ({"FIELD": ["value", ...], ...}); queries compiled
-- by shared/search_sql.c test it with @> and ? (served by the GIN index)
-- and jsonb_array_elements_text for wildcards and ranges. Writers of
-- nodes.attributes must write search_keys = search_flatten(attributes,
-- name) in the same statement.
ALTER TABLE nodes ADD COLUMN search_keys jsonb NOT NULL DEFAULT '{}'::jsonb
    -- an object of arrays of strings (silent: a non-array value, caught by
    -- the second test, makes the third NULL instead of an error)
    CONSTRAINT nodes_search_keys_shape CHECK (
        jsonb_typeof(search_keys) = 'object'
        AND NOT jsonb_path_exists(search_keys, 'strict $.* ? (@.type() != "array")', '{}', true)
        AND NOT jsonb_path_exists(search_keys, 'strict $.*[*] ? (@.type() != "string")', '{}', true));

-- Existing rows: at least the name is searchable until the node reports.
UPDATE nodes SET search_keys = jsonb_build_object('name', jsonb_build_array(name));

CREATE INDEX nodes_search_keys ON nodes USING gin (search_keys);
