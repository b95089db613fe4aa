/* Fuzz target: the .xlsx reader on arbitrary bytes (zip + XML). */
#include <stdint.h>

#include "io/xlsx_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct err err;
    struct xlsx_book *b = xlsx_read_mem(data, size, &err);
    size_t total = 0;

    if (b == NULL) {
        return 0;
    }
    for (size_t s = 0; s < xlsx_sheet_count(b); s++) {
        size_t n;
        const struct xlsx_cell *c = xlsx_sheet_cells(b, s, &n);
        for (size_t i = 0; i < n; i++) {
            total += c[i].text[0] != '\0';
            (void)xlsx_cell_at(b, s, c[i].row, c[i].col);
        }
    }
    xlsx_book_free(b);
    return total > size ? 1 : 0;
}
