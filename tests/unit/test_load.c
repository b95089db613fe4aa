/* Unit tests for load/: the bundled reference data, layouts, code map,
 * problems and dry runs. Run from the repository root (data/). */
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/mem.h"
#include "load/load.h"
#include "store/store.h"
#include "testutil.h"

struct fixture {
    char db[64];
    char file[64];
    struct store *s;
    struct loader *l;
};

static int setup(void **state)
{
    struct fixture *f = xcalloc(1, sizeof(*f));
    struct load_ref_counts rc;
    struct err err = {0};

    snprintf(f->db, sizeof(f->db), "/tmp/ictdev-test-load-%d.db",
             (int)getpid());
    snprintf(f->file, sizeof(f->file), "/tmp/ictdev-test-load-%d.csv",
             (int)getpid());
    unlink(f->db);
    f->s = store_open(f->db, STORE_OPEN_CREATE, &err);
    assert_non_null(f->s);
    assert_ok(load_reference(f->s, "data", &rc, &err), &err);
    assert_int_equal(rc.economies, 253);
    assert_true(rc.indicators >= 100);
    f->l = loader_new(f->s, &err);
    assert_non_null(f->l);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char side[80];

    loader_free(f->l);
    store_close(f->s);
    unlink(f->db);
    unlink(f->file);
    snprintf(side, sizeof(side), "%s-wal", f->db);
    unlink(side);
    snprintf(side, sizeof(side), "%s-shm", f->db);
    unlink(side);
    xfree(f);
    return 0;
}

static int load_text(struct fixture *f, const char *text, bool dry_run,
                     struct load_result *res, struct err *err)
{
    FILE *fp = fopen(f->file, "w");
    struct load_options opt = {.dry_run = dry_run, .origin = "test"};

    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    memset(res, 0, sizeof(*res));
    return load_file(f->l, f->file, &opt, res, err);
}

static void test_itu_layout_and_code_map(void **state)
{
    struct fixture *f = *state;
    struct load_result r;
    struct err err = {0};

    assert_ok(load_text(f,
                        "iso3,economy,indicator,itu_code,unit,year,value,"
                        "note,source\n"
                        "KSO,Kosovo,internet_users_pct,i99H,%,2020,70.1,,\n"
                        "GBJ,Jersey,fixed_bb_5gb_usd,i154_FBB5$,USD,2023,9,,"
                        "X\n",
                        false, &r, &err),
              &err);
    assert_string_equal(r.layout, "long");
    assert_string_equal(r.source, "itu");
    assert_int_equal(r.changed, 2);
    assert_true(r.batch > 0);
    assert_int_equal(strlen(r.sha256), 64);
    load_result_cleanup(&r);
}

static void test_wide_and_skip(void **state)
{
    struct fixture *f = *state;
    struct load_result r;
    struct err err = {0};

    assert_ok(load_text(f,
                        "Country Name,Country Code,Indicator Name,Indicator "
                        "Code,2020 [YR2020],2021 [YR2021]\n"
                        "Kenya,KEN,Pop,SP.POP.TOTL,1,..\n"
                        "World,WLD,Pop,SP.POP.TOTL,7,8\n",
                        false, &r, &err),
              &err);
    assert_string_equal(r.layout, "wide");
    assert_int_equal(r.values, 1);
    assert_int_equal(r.skipped, 1);
    assert_int_equal(r.blank, 1);
    load_result_cleanup(&r);
}

static void test_problems_write_nothing(void **state)
{
    struct fixture *f = *state;
    struct load_result r;
    struct err err = {0};

    assert_int_equal(load_text(f,
                               "economy,indicator,year,value\n"
                               "KEN,pop,2020,1\n"
                               "KEN,pop,2020,2\n"
                               "ZZZ,pop,2020,3\n",
                               false, &r, &err),
                     ERR_INVALID);
    assert_int_equal(r.error_count, 2);
    assert_int_equal(r.batch, 0);
    assert_non_null(strstr(r.problems[0], ":3:1: duplicate key"));
    assert_non_null(strstr(r.problems[1], ":4:1: unknown economy 'ZZZ'"));
    load_result_cleanup(&r);
    /* A dry run of a good file writes nothing either. */
    assert_ok(load_text(f, "economy,indicator,year,value\nKEN,pop,2020,1\n",
                        true, &r, &err),
              &err);
    assert_int_equal(r.changed, 1);
    assert_int_equal(r.batch, 0);
    load_result_cleanup(&r);
    assert_ok(load_text(f, "economy,indicator,year,value\nKEN,pop,2020,1\n",
                        false, &r, &err),
              &err);
    assert_int_equal(r.changed, 1);
    assert_true(r.batch > 0);
    load_result_cleanup(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_itu_layout_and_code_map, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_wide_and_skip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_problems_write_nothing, setup,
                                        teardown),
    };
    return cmocka_run_group_tests_name("load", tests, NULL, NULL);
}
