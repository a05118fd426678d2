/* Schema migrations embedded from shared/sql/NNN_name.sql at build time. */
#ifndef PUSHY_MIGRATIONS_H
#define PUSHY_MIGRATIONS_H

struct pushy_migration {
    int version;
    const char *name;
    const char *sql;
};

/* Ordered by version; terminated by an entry with version 0. */
extern const struct pushy_migration pushy_migrations[];

#endif
