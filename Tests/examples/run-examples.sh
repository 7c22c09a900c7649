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

# ebm run (issue 15): the prose, then each command followed by its own output, not each block's
# commands before all of their outputs; --quiet leaves the prose out.
tmp=$(mktemp -d)
printf '# Title\n\n```ebm\nx = 6\nx * 7\nfor i in [1, 2]:\n    print(i)\nx + 1\n```\n\nThe end.\n' > "$tmp/r.ebm"
out=$("$ebm" run "$tmp/r.ebm" 2>&1); status=$?
expected=$(printf '# Title\n\nebm> x = 6\nebm> x * 7\n42\nebm> for i in [1, 2]:\n...>     print(i)\n1\n2\nebm> x + 1\n7\n\nThe end.')
[ $status -eq 0 ] && [ "$out" = "$expected" ]; ok=$?
[ $ok -ne 0 ] && diff -u <(printf '%s\n' "$expected") <(printf '%s\n' "$out")
check $ok "ebm run prints each command followed by its own output"
out=$("$ebm" run --quiet "$tmp/r.ebm" 2>&1)
[[ "$out" != *"Title"* ]] && [[ "$out" != *"The end."* ]] && [[ "$out" == "ebm> x = 6"* ]]
check $? "ebm run --quiet leaves out the prose"
rm -rf "$tmp"

# A session saved with :save checks clean, from another folder than the session's and after
# training: the session may run faster BLAS kernels than replay does, and :save records what
# replay computes.
tmp=$(mktemp -d)
out=$(cd "$tmp" && printf '%s\n' 'd = bars_and_stripes(4)' 'm = rbm(visible: 16, hidden: 16, seed: 1)' \
    'h = train(m, d, method: "pcd", lr: 0.05, batch: 4, epochs: 1000, seed: 1, monitor_every: 500)' 'h' 'loglik(m, d)' \
    'png(d, "sess/imgs/d.png")' ':save sess/s.ebm' | "$ebm" 2>&1); status=$?
[ $status -eq 0 ] && [[ "$out" == *"saved 6 blocks to sess/s.ebm"* ]] && [ -s "$tmp/sess/imgs/d.png" ]
check $? "a session saved with :save into another folder"
(cd "$tmp" && "$ebm" check sess/s.ebm >/dev/null) && (cd "$tmp/sess" && "$ebm" check s.ebm >/dev/null)
check $? "ebm check passes on a notebook :save wrote, after training, from two folders"
rm -rf "$tmp"

tmp=$(mktemp -d)
out=$("$library_example" "$tmp/bs.png"); status=$?
[ $status -eq 0 ] && [[ "$out" == *"data: 32 examples of 16 pixels"* ]] && [[ "$out" == *"pixels on in the all-on image: 16"* ]] \
    && [[ "$out" == *"wrote $tmp/bs.png: 78×38"* ]] && [[ "$out" == *"mean pixel is 0.5"* ]] && [ -s "$tmp/bs.png" ]
check $? "the Swift library example runs"
[ "$(head -c 8 "$tmp/bs.png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ]; check $? "the library example's PNG has a PNG signature"
rm -rf "$tmp"

# Issue 11: a 3-layer DBN's exact log-likelihood and bound (13.3), after greedy training and
# up-down, agree with an independent NumPy enumeration of its exported layer folders.
if python3 -c "import numpy" 2>/dev/null; then
    tmp=$(mktemp -d)
    out=$("$ebm" 2>&1 <<EOF
d = bars_and_stripes(3)
m = rbm(visible: 9, hidden: 8, seed: 1)
h = train(m, d, method: "pcd", lr: 0.05, epochs: 500, batch: 8, seed: 1, monitor_every: 500)
d2 = stack(stack(m, hidden: 9), hidden: 6, seed: 2)
h = train(d2, d, method: "pcd", lr: [0.01, 0.02], epochs: 200, batch: 16, seed: 1, monitor_every: 200)
h = train(d2, d, method: "up-down", lr: 0.01, k: 3, batch: 8, epochs: 20, seed: 1)
export_npy(d2, "$tmp/dbn")
print loglik(d2, d)
print elbo(d2, d).elbo
EOF
)
    ll=$(echo "$out" | sed -n 2p); el=$(echo "$out" | sed -n 3p)
    python3 Tests/examples/dbn_check.py "$tmp/dbn" 3 --loglik "$ll" --elbo "$el" && [ -s "$tmp/dbn/layer1/R.npy" ]
    check $? "a DBN's exported layers give NumPy the same log-likelihood and bound"
    rm -rf "$tmp"
else
    echo "skip - NumPy is not installed: the DBN NumPy check did not run"
fi

echo "examples: $passed passed, $failed failed"
[ $failed -eq 0 ]
