/* bench_placeholder.c - keeps the bench target non-empty until the real
 * benchmarks land. */
#include <stdio.h>
int main(void) {
  puts("no benchmarks yet");
  return 0;
}
