-- 047's statement-level triggers fire even when a statement changes no row
-- (INSERT ... ON CONFLICT DO NOTHING on a conflict, an UPDATE or DELETE
-- that matches nothing), and every NOTIFY empties apid's auth cache.
-- Row-level triggers fire only for rows actually changed (PostgreSQL folds
-- identical notifications of one transaction into one). TRUNCATE has no
-- rows: it keeps a statement-level trigger.
DROP TRIGGER orgs_identity_notify ON orgs;
CREATE TRIGGER orgs_identity_notify AFTER INSERT OR UPDATE OR DELETE ON orgs
    FOR EACH ROW EXECUTE FUNCTION pushy_identity_changed();
CREATE TRIGGER orgs_identity_notify_truncate AFTER TRUNCATE ON orgs
    FOR EACH STATEMENT EXECUTE FUNCTION pushy_identity_changed();
DROP TRIGGER users_identity_notify ON users;
CREATE TRIGGER users_identity_notify AFTER INSERT OR UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION pushy_identity_changed();
CREATE TRIGGER users_identity_notify_truncate AFTER TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION pushy_identity_changed();
DROP TRIGGER org_users_identity_notify ON org_users;
CREATE TRIGGER org_users_identity_notify AFTER INSERT OR UPDATE OR DELETE ON org_users
    FOR EACH ROW EXECUTE FUNCTION pushy_identity_changed();
CREATE TRIGGER org_users_identity_notify_truncate AFTER TRUNCATE ON org_users
    FOR EACH STATEMENT EXECUTE FUNCTION pushy_identity_changed();
DROP TRIGGER clients_identity_notify ON clients;
CREATE TRIGGER clients_identity_notify AFTER INSERT OR UPDATE OR DELETE ON clients
    FOR EACH ROW EXECUTE FUNCTION pushy_identity_changed();
CREATE TRIGGER clients_identity_notify_truncate AFTER TRUNCATE ON clients
    FOR EACH STATEMENT EXECUTE FUNCTION pushy_identity_changed();
DROP TRIGGER groups_identity_notify ON groups;
CREATE TRIGGER groups_identity_notify AFTER INSERT OR UPDATE OR DELETE ON groups
    FOR EACH ROW EXECUTE FUNCTION pushy_identity_changed();
CREATE TRIGGER groups_identity_notify_truncate AFTER TRUNCATE ON groups
    FOR EACH STATEMENT EXECUTE FUNCTION pushy_identity_changed();
DROP TRIGGER group_members_identity_notify ON group_members;
CREATE TRIGGER group_members_identity_notify AFTER INSERT OR UPDATE OR DELETE ON group_members
    FOR EACH ROW EXECUTE FUNCTION pushy_identity_changed();
CREATE TRIGGER group_members_identity_notify_truncate AFTER TRUNCATE ON group_members
    FOR EACH STATEMENT EXECUTE FUNCTION pushy_identity_changed();
