#!/usr/bin/env bash
# check-format.sh - fails when a C file differs from clang-format's output.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$BS_ROOT"
bad=0
while IFS= read -r f; do
  if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
    say "format: $f differs from clang-format (run: clang-format -i $f)"
    bad=1
  fi
done < <(git ls-files '*.c' '*.h')
[ $bad -eq 0 ] && say "format: ok"
exit $bad
