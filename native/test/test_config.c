/* A misspelt PARALELO_SIMD is an error that every kernel reports, not a silent fallback. Runs
 * in its own process: the level is read from the environment once, at first use. */
#include "check.h"
#include "paralelo.h"

#include <stdlib.h>

int main(void) {
    setenv("PARALELO_SIMD", "avx-512", 1);
    double x[3] = {1, 2, 3}, r;
    int64_t i;
    CHECK(pl_check_config() == PL_E_CONFIG, "a typo is reported");
    CHECK(pl_reduce(PL_F64, PL_SUM, x, 3, PL_ACCURATE, 1, &r, &i) == PL_E_CONFIG, "kernels refuse");
    CHECK(pl_fill(PL_F64, x, 0.0, 0, 3, 1) == PL_E_CONFIG, "elementwise refuses");
    printf("test_config: %d failures\n", failures);
    return failures ? 1 : 0;
}
