#!/usr/bin/env bash
# Runs every example script through `ebm < script` and compares its output with the
# `.expected` file beside it, then runs the Swift library example and checks what it prints and
# the PNG it writes. Usage: run-examples.sh EBM_BINARY LIBRARY_EXAMPLE_BINARY
set -uo pipefail
cd "$(dirname "$0")/../.."
ebm=$1
library_example=$2
passed=0; failed=0
check() { if [ "$1" -eq 0 ]; then passed=$((passed + 1)); echo "ok - $2"; else failed=$((failed + 1)); echo "not ok - $2"; fi; }

for script in examples/*.ebm; do
    expected=${script%.ebm}.expected
    actual=$("$ebm" < "$script" 2>&1); status=$?
    if [ $status -ne 0 ]; then check 1 "$script exits 0 (got $status)"; echo "$actual"; continue; fi
    diff -u "$expected" <(printf '%s\n' "$actual") >/dev/null; ok=$?
    [ $ok -ne 0 ] && diff -u "$expected" <(printf '%s\n' "$actual")
    check $ok "$script prints $expected"
done

# A piped script stops at the first error with status 1 and a located message.
out=$(printf 'x = 1\ny = nope\nprint "not reached"\n' | "$ebm" 2>&1); status=$?
[ $status -eq 1 ] && [[ "$out" == *"<stdin>:2:5: error: unknown name 'nope'"* ]] && [[ "$out" != *"not reached"* ]]
check $? "a piped script stops at the first error with exit status 1"

# ebm -e runs one command.
[ "$("$ebm" -e 'print 6 * 7')" = "42" ]; check $? "ebm -e runs a command"
"$ebm" -e 'nope' 2>/dev/null; [ $? -eq 1 ]; check $? "ebm -e exits 1 on an error"
"$ebm" help bars_and_stripes | grep -q "bars_and_stripes(n)"; check $? "ebm help COMMAND prints the command's help"
# (captured first: with `grep -q` in a pipe, ebm can die of SIGPIPE once the listing passes 8 KiB)
[[ "$("$ebm" help)" == *"Meta-commands"* ]]; check $? "ebm help lists the commands"
"$ebm" --help | grep -q "USAGE"; check $? "ebm --help prints usage"

tmp=$(mktemp -d)
out=$("$library_example" "$tmp/bs.png"); status=$?
[ $status -eq 0 ] && [[ "$out" == *"data: 32 examples of 16 pixels"* ]] && [[ "$out" == *"pixels on in the all-on image: 16"* ]] \
    && [[ "$out" == *"wrote $tmp/bs.png: 78×38"* ]] && [[ "$out" == *"mean pixel is 0.5"* ]] && [ -s "$tmp/bs.png" ]
check $? "the Swift library example runs"
[ "$(head -c 8 "$tmp/bs.png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ]; check $? "the library example's PNG has a PNG signature"
rm -rf "$tmp"

echo "examples: $passed passed, $failed failed"
[ $failed -eq 0 ]
