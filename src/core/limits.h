/* Ceilings for everything that grows on outside input. Going past one fails
 * with ERR_LIMIT; the numbers are chosen to be far above real data. */
#ifndef ICTDEV_CORE_LIMITS_H
#define ICTDEV_CORE_LIMITS_H

#define MAX_CSV_FIELDS    4096        /* fields in one CSV record */
#define MAX_CSV_RECORD    (1 << 20)   /* bytes in one CSV record */
#define MAX_LOAD_ERRORS   50          /* load problems listed before a count */
#define MAX_CODE_LEN      64          /* indicator, economy, group codes */
#define MAX_EXPR_LEN      (64 * 1024) /* bytes in one expression */
#define MAX_EXPR_DEPTH    200         /* nesting of an expression */
#define MAX_EXPR_NODES    (16 * 1024) /* compiled instructions */
#define MAX_DIMS          8           /* dimensions on one observation */
#define MAX_REQUEST_BODY  (32 << 20)  /* bytes in one HTTP request body */
#define MAX_URL_LEN       4096        /* bytes in one request target */
#define MAX_JSON_DEPTH    64          /* nesting of a JSON document */
#define YEAR_MIN          1900        /* earliest year accepted */
#define YEAR_MAX          2100        /* latest year accepted */
#define MAX_XLSX_FILE     (16 << 20)  /* bytes of one uploaded .xlsx */
#define MAX_XLSX_UNZIPPED (128 << 20) /* bytes of all its parts, inflated */
#define MAX_XLSX_RATIO    200         /* inflated/compressed, parts > 1 MiB */
#define MAX_XLSX_ENTRIES  1000        /* parts (zip entries) in one .xlsx */
#define MAX_XLSX_SHEETS   64          /* sheets in one workbook */
#define MAX_XLSX_CELLS    1000000     /* non-empty cells in one workbook */
#define MAX_XLSX_TEXT     32767       /* bytes of one cell's text (Excel) */
#define MAX_UPLOAD_VALUES 100000      /* values in one submission */

#endif
