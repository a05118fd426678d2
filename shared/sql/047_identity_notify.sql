-- apid caches identity lookups for signed requests (apid/auth_cache.h):
-- every change to an identity table sends NOTIFY pushy_identity (delivered
-- when the change commits) so that apid drops what it cached at once.
CREATE OR REPLACE FUNCTION pushy_identity_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('pushy_identity', TG_TABLE_NAME);
    RETURN NULL;
END
$$;

CREATE TRIGGER orgs_identity_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON orgs
    FOR EACH STATEMENT EXECUTE FUNCTION pushy_identity_changed();
CREATE TRIGGER users_identity_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION pushy_identity_changed();
CREATE TRIGGER org_users_identity_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON org_users
    FOR EACH STATEMENT EXECUTE FUNCTION pushy_identity_changed();
CREATE TRIGGER clients_identity_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON clients
    FOR EACH STATEMENT EXECUTE FUNCTION pushy_identity_changed();
CREATE TRIGGER groups_identity_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON groups
    FOR EACH STATEMENT EXECUTE FUNCTION pushy_identity_changed();
CREATE TRIGGER group_members_identity_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON group_members
    FOR EACH STATEMENT EXECUTE FUNCTION pushy_identity_changed();
