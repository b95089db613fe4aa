/* The SQL text shared by the store backends (store_sqlite.c, store_pg.c):
 * one versioned list of migrations and one spelling of every statement on
 * which SQLite and PostgreSQL agree. Text is written in SQLite's spelling
 * (placeholders ?1..?N, types INTEGER/REAL/TEXT, WITHOUT ROWID);
 * store_sql_render turns it into PostgreSQL's. A backend keeps its own text
 * only where the dialects differ (metadata such as PRAGMA user_version, id
 * allocation, COPY), and says so where it does.
 *
 * No outside text ever enters these strings: values are bound. Included
 * only by store*.c. */
#ifndef ICTDEV_STORE_STORE_SQL_H
#define ICTDEV_STORE_STORE_SQL_H

#include <stddef.h>

#include "../core/buf.h"

/* migrations[v] brings the schema from version v to v + 1 (NULL: only the
 * dialect text below has work to do). */
extern const char *const store_sql_migrations[];
extern const size_t store_sql_migration_count;
/* Per-dialect text applied after store_sql_migrations[v] (NULL: none), for
 * what the dialects spell differently (triggers). */
extern const char *const store_sql_migrations_sqlite[];
extern const char *const store_sql_migrations_pg[];

enum store_sql_dialect { STORE_SQL_SQLITE, STORE_SQL_POSTGRESQL };

/* Append sql in the dialect's spelling to out. For PostgreSQL: ?N becomes
 * $N; with ddl, INTEGER PRIMARY KEY becomes an identity column, REAL
 * DOUBLE PRECISION, TEXT TEXT COLLATE "C" (byte order, as in SQLite) and
 * WITHOUT ROWID goes. INTEGER stays 32-bit on PostgreSQL (ids, years,
 * codes: smaller rows and keys); columns that need 64 bits are spelled
 * BIGINT, which SQLite reads as INTEGER. SQLite's spelling is copied as
 * is. */
void store_sql_render(const char *sql, enum store_sql_dialect d, int ddl,
                      struct buf *out);

/* ---- Reference writes --------------------------------------------------- */
#define SQL_AREA_PUT_ECO                                                       \
    "INSERT INTO areas(code, is_group, name, iso2, m49, un_region,"            \
    " un_subregion, un_intermediate, itu_region, itu_region_verified,"         \
    " wb_region, is_independent, note)"                                        \
    " VALUES(?1, 0, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"            \
    " ON CONFLICT(code) DO UPDATE SET is_group=0, name=?2, iso2=?3,"           \
    " m49=?4, un_region=?5, un_subregion=?6, un_intermediate=?7,"              \
    " itu_region=?8, itu_region_verified=?9, wb_region=?10,"                   \
    " is_independent=?11, note=?12"
#define SQL_AREA_PUT_GROUP                                                     \
    "INSERT INTO areas(code, is_group, name, kind, source, verified, note)"    \
    " VALUES(?1, 1, ?2, ?3, ?4, ?5, ?6)"                                       \
    " ON CONFLICT(code) DO UPDATE SET is_group=1, name=?2, kind=?3,"           \
    " source=?4, verified=?5, note=?6"
#define SQL_IND_PUT                                                            \
    "INSERT INTO indicators(code, name, definition, unit, kind,"               \
    " collection, dims, sdg, source_instrument, formula, agg, weight,"         \
    " verified) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)"            \
    " ON CONFLICT(code) DO UPDATE SET name=?2, definition=?3, unit=?4,"        \
    " kind=?5, collection=?6, dims=?7, sdg=?8, source_instrument=?9,"          \
    " formula=?10, agg=?11, weight=?12, verified=?13"
#define SQL_MEM_PUT                                                            \
    "INSERT INTO memberships(group_id, economy_id, from_year, to_year,"        \
    " source, verified) VALUES(?1, ?2, ?3, ?4, ?5, ?6)"                        \
    " ON CONFLICT(group_id, economy_id, from_year) DO UPDATE SET"              \
    " to_year=?4, source=?5, verified=?6"
#define SQL_DIM_PUT                                                            \
    "INSERT INTO dimensions(dimension, value, label, seq)"                     \
    " VALUES(?1, ?2, ?3, (SELECT count(*) FROM dimensions))"                   \
    " ON CONFLICT(dimension, value) DO UPDATE SET label=?3,"                   \
    " seq=excluded.seq"
#define SQL_MAP_PUT                                                            \
    "INSERT INTO code_map(source, kind, source_code, target, note)"            \
    " VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(source, kind, source_code)"       \
    " DO UPDATE SET target=?4, note=?5"
#define SQL_REFERENCE_CLEAR                                                    \
    "DELETE FROM memberships; DELETE FROM dimensions; DELETE FROM code_map"

/* ---- Reference reads ---------------------------------------------------- */
#define SQL_INDICATOR_CODES "SELECT id, code, 0 FROM indicators ORDER BY code"
#define SQL_AREA_CODES                                                         \
    "SELECT id, code, is_group FROM areas ORDER BY is_group, code"
/* ?1 NULL = all. (code = ?1 OR ?1 IS NULL): PostgreSQL infers ?1's type
 * from its first use, so the comparison comes first. */
#define SQL_ECONOMY_LIST                                                       \
    "SELECT code, name, iso2, m49, un_region, un_subregion,"                   \
    " un_intermediate, itu_region, itu_region_verified, wb_region,"            \
    " is_independent, note FROM areas WHERE is_group = 0"                      \
    " AND (code = ?1 OR ?1 IS NULL) ORDER BY code"
#define SQL_GROUP_LIST                                                         \
    "SELECT code, name, kind, source, verified, note FROM areas"               \
    " WHERE is_group = 1 AND (code = ?1 OR ?1 IS NULL) ORDER BY code"
#define SQL_MEMBERSHIP_SELECT                                                  \
    "SELECT g.code, e.code, m.from_year, m.to_year, m.source, m.verified"      \
    " FROM memberships m JOIN areas g ON g.id = m.group_id"                    \
    " JOIN areas e ON e.id = m.economy_id"
#define SQL_MEMBERSHIP_YEAR                                                    \
    " AND (?2 = 0 OR ((m.from_year = 0 OR m.from_year <= ?2) AND"              \
    " (m.to_year = 0 OR m.to_year >= ?2)))"
#define SQL_GROUP_MEMBERS                                                      \
    SQL_MEMBERSHIP_SELECT " WHERE m.group_id = ?1" SQL_MEMBERSHIP_YEAR         \
                          " ORDER BY e.code, m.from_year"
#define SQL_ECONOMY_GROUPS                                                     \
    SQL_MEMBERSHIP_SELECT " WHERE m.economy_id = ?1" SQL_MEMBERSHIP_YEAR       \
                          " ORDER BY g.code, m.from_year"
#define SQL_DIMENSION_LIST                                                     \
    "SELECT dimension, value, label FROM dimensions ORDER BY dimension, seq"
#define SQL_INDICATOR_LIST                                                     \
    "SELECT code, name, definition, unit, kind, collection, dims,"             \
    " sdg, source_instrument, formula, agg, weight, verified"                  \
    " FROM indicators WHERE (code = ?1 OR ?1 IS NULL) ORDER BY code"
#define SQL_CODE_MAP_LIST                                                      \
    "SELECT source, kind, source_code, target, note FROM code_map"             \
    " ORDER BY source, kind, source_code"

/* ---- Batches and observations ------------------------------------------- */
#define SQL_SOURCE_GET "SELECT id FROM sources WHERE text = ?1"
#define SQL_SOURCE_PUT "INSERT INTO sources(text) VALUES(?1)"
#define SQL_BATCH_LAST "SELECT id, time FROM batches ORDER BY id DESC LIMIT 1"
#define SQL_BLOCK_ANY  "SELECT 1 FROM blocks LIMIT 1"
#define SQL_BLOCK_PUT                                                          \
    "INSERT INTO blocks(indicator_id, area_id, batch_id, part, cells,"         \
    " year_min, year_max, data) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
/* The blocks of one indicator (?1) up to batch ?2: of every area, or of
 * one (?3); in the order blocks_read promises. */
#define SQL_BLOCKS_OF_IND                                                      \
    "SELECT area_id, batch_id, part, cells, year_min, year_max, data"          \
    " FROM blocks WHERE indicator_id = ?1 AND batch_id <= ?2"                  \
    " ORDER BY area_id, batch_id, part"
#define SQL_BLOCKS_OF_SERIES                                                   \
    "SELECT area_id, batch_id, part, cells, year_min, year_max, data"          \
    " FROM blocks WHERE indicator_id = ?1 AND batch_id <= ?2"                  \
    " AND area_id = ?3 ORDER BY batch_id, part"
#define SQL_BATCH_ASOF "SELECT max(id) FROM batches WHERE time <= ?1"
#define SQL_MEM_OF_GROUP                                                       \
    "SELECT economy_id, from_year, to_year FROM memberships"                   \
    " WHERE group_id = ?1"
#define SQL_BATCH_SET_CHANGED "UPDATE batches SET changed = ?1 WHERE id = ?2"
/* ?1: the most batches to list (a huge number for all). */
#define SQL_BATCH_LIST                                                         \
    "SELECT id, time, kind, origin, file, sha256, note, changed"               \
    " FROM batches ORDER BY id DESC LIMIT ?1"

/* ---- Whole tables, for copying a store (store_copy) -------------------- */

/* One table as store_copy sees it: SELECT cols FROM name ORDER BY order.
 * types has one letter per column: 'i' integer, 'r' real, 't' text, 'b'
 * blob (read as PostgreSQL's bytea text, \x and lowercase hex, on both
 * backends). Tables come in an order that satisfies their references
 * (users before tokens, files before submissions). */
struct store_sql_table {
    const char *name;
    const char *cols;
    const char *types;
    const char *order;
};
extern const struct store_sql_table store_sql_tables[];
extern const size_t store_sql_table_count;

/* Append "SELECT cols FROM name ORDER BY order" of table t to out. */
void store_sql_table_select(size_t t, struct buf *out);

#endif
