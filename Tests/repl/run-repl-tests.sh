#!/usr/bin/env bash
# Tests the interactive REPL through a real pseudo-terminal: tmux runs ebm, `send-keys` types,
# `capture-pane` reads the screen back. Covers evaluation, history (and its file), completion,
# Ctrl-C at the prompt, during a command and in a loop, continuation lines, blocks and Ctrl-D.
#
# usage: Tests/repl/run-repl-tests.sh PATH/TO/ebm     (e.g. .build/debug/ebm)
# Prints `ok - NAME` / `not ok - NAME` per check, then `repl: N passed, M failed`; exits 1 on
# any failure.
set -u

if [ $# -ne 1 ] || [ ! -x "$1" ]; then
    echo "usage: $0 PATH/TO/ebm" >&2
    exit 2
fi
BIN="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
if ! command -v tmux >/dev/null; then
    echo "not ok - tmux is installed"
    echo "repl: 0 passed, 1 failed"
    exit 1
fi

TMP="$(mktemp -d)"
SOCKET="ebm-repl-tests-$$"
STATE="$TMP/state"
HISTORY="$STATE/ebm/history"

t() { tmux -L "$SOCKET" -f /dev/null "$@"; }
cleanup() { t kill-server >/dev/null 2>&1; rm -rf "$TMP"; }
trap cleanup EXIT

passed=0
failed=0
ok() { echo "ok - $1"; passed=$((passed + 1)); }
not_ok() {
    echo "not ok - $1"
    failed=$((failed + 1))
    echo "# screen:"
    screen | sed -e '/^$/d' -e 's/^/#   /'
}
check() { # NAME COMMAND...: ok when the command succeeds
    local name="$1"; shift
    if "$@"; then ok "$name"; else not_ok "$name"; fi
}

# --- Driving the terminal ---------------------------------------------------------------------

start() { # a fresh ebm in a fresh tmux server, its history under $STATE
    t kill-server >/dev/null 2>&1
    t new-session -d -x 120 -y 40 -s ebm \
        "env XDG_STATE_HOME=$(printf %q "$STATE") INPUTRC=/dev/null $(printf %q "$BIN")"
    t set-option -t ebm remain-on-exit on >/dev/null
    wait_until cursor_line_is "ebm> "
}
screen() { t capture-pane -p -t ebm 2>/dev/null; }
type_text() { t send-keys -t ebm -l -- "$1"; }
press() { t send-keys -t ebm "$@"; }
clear_line() { press C-e C-u; wait_until cursor_line_is "ebm> "; }

# The cursor's line up to the cursor, trailing blanks kept (so "seed: " can be told from "seed:").
cursor_line() {
    local x y
    read -r x y < <(t display-message -p -t ebm '#{cursor_x} #{cursor_y}')
    [ "$x" -gt 0 ] || return 0
    t capture-pane -p -N -t ebm | sed -n "$((y + 1))p" | cut -c "1-$x"
}
cursor_line_is() { [ "$(cursor_line)" = "$1" ]; }
screen_has() { screen | grep -Eq -- "$1"; }
screen_lacks() { ! screen_has "$1"; }
pane_dead() { [ "$(t display-message -p -t ebm '#{pane_dead}' 2>/dev/null)" = 1 ]; }

# Polls CONDITION... every 0.1 s for up to $WAIT seconds (default 10).
wait_until() {
    local tries=$(( ${WAIT:-10} * 10 ))
    while [ "$tries" -gt 0 ]; do
        "$@" && return 0
        sleep 0.1
        tries=$((tries - 1))
    done
    return 1
}
# Types LINE, presses Enter, and waits until the screen shows PATTERN.
enter_and_wait() { type_text "$1"; press Enter; wait_until screen_has "$2"; }

# --- First run --------------------------------------------------------------------------------

start
check "welcome line" screen_has "^ebm [0-9.]+ — type help for commands, :help for meta-commands, Ctrl-D to leave"

# (1) An expression is evaluated and its value echoed.
check "an expression is evaluated and echoed" enter_and_wait "20 + 3" "^23$"

# (2) History: Up Up recalls the entry before last, and Enter runs it again.
enter_and_wait "x = 40" "^ebm> x = 40$"
enter_and_wait "x = 41" "^ebm> x = 41$"
enter_and_wait "x + 1" "^42$"
press Up Up
check "Up Up recalls the entry before last" wait_until cursor_line_is "ebm> x = 41"
press Enter
wait_until cursor_line_is "ebm> "
check "the recalled entry runs" enter_and_wait "print(x * 2)" "^82$"
check "the history file is under XDG_STATE_HOME" test -s "$HISTORY"
check "the history file holds the entries" grep -qx "x = 41" "$HISTORY"

# Errors name <repl>, count lines across the session, and leave the state alone.
type_text "nosuch + 1"; press Enter
check "an error names <repl> and its line" wait_until screen_has "^<repl>:[0-9]+:1: error: unknown name 'nosuch'"
check "the state survives an error" enter_and_wait "x - 1" "^40$"

# (3) Completion.
type_text "bars_and_st"; press Tab
check "Tab completes a command name" wait_until cursor_line_is "ebm> bars_and_stripes"
clear_line

type_text "rand([2], se"; press Tab
check "Tab completes a keyword argument as 'label: '" wait_until cursor_line_is "ebm> rand([2], seed: "
type_text "3)"; press Enter
check "the completed call runs" wait_until screen_has "^ebm> rand\(\[2\], seed: 3\)$"
wait_until cursor_line_is "ebm> "

enter_and_wait "t = zeros([2, 3])" "^ebm> t = zeros"
type_text "t.sh"; press Tab
check "Tab completes a property after 'x.'" wait_until cursor_line_is "ebm> t.shape"
clear_line

type_text ":va"; press Tab
check "Tab completes a meta-command" wait_until cursor_line_is "ebm> :vars"
press Enter
check "the completed meta-command runs" wait_until screen_has "^x +number +41"

touch "$TMP/uniquefile.txt"
type_text "print \"$TMP/uniq"; press Tab
check "Tab completes a file path inside a string" wait_until screen_has "^ebm> print \"$TMP/uniquefile.txt\""
press Enter
check "the completed path runs" wait_until screen_has "^$TMP/uniquefile.txt$"

# Inside a string that takes a choice, Tab offers the choices, not file names.
type_text "derive(rbm(visible: 4, hidden: 2), bars_and_stripes(2), derivation: \"free"; press Tab
check "Tab completes a choice inside a string and closes it" wait_until screen_has "^ebm> derive\\(rbm\\(visible: 4, hidden: 2\\), bars_and_stripes\\(2\\), derivation: \"free-energy\"$"
clear_line
type_text "gibbs(rbm(visible: 4, hidden: 2), init: \""; press Tab; press Tab
check "Tab offers a parameter's choices, not file names" wait_until screen_has "^ebm> gibbs\\(rbm\\(visible: 4, hidden: 2\\), init: \"random\"$"
clear_line

# (4) Ctrl-C at the prompt drops the half-typed line (and a pending continuation).
type_text "half typed"
wait_until cursor_line_is "ebm> half typed"
press C-c
check "Ctrl-C at the prompt shows ^C" wait_until screen_has "^ebm> half typed\^C$"
check "Ctrl-C at the prompt gives an empty prompt" wait_until cursor_line_is "ebm> "
check "the dropped line is gone" enter_and_wait "x" "^41$"
type_text "sum([1,"; press Enter
wait_until cursor_line_is "... "
press C-c
check "Ctrl-C drops a pending continuation" wait_until cursor_line_is "ebm> "
check "nothing of the continuation is left" enter_and_wait "x + 2" "^43$"

# (5) Ctrl-C during a long command stops it at a safe point with the state intact.
type_text "sleep(60)"; press Enter
if WAIT=2 wait_until screen_has "unknown name 'sleep'"; then
    # No `sleep` command: fall back to heavy products; every `sum` call is a safe point.
    echo "# no sleep command: interrupting matrix products instead"
    enter_and_wait "m = rand([2000, 2000], seed: 1)" "^ebm> m = rand"
    wait_until cursor_line_is "ebm> "
    work="print($(printf 'sum(m @ m @ m), %.0s' $(seq 1 39))sum(m @ m @ m))"
    type_text "$work"; press Enter
fi
sleep 1
press C-c
WAIT=15
check "Ctrl-C stops a running command" wait_until screen_has "^(\^C)?<repl>:[0-9]+:[0-9]+: error: interrupted"
WAIT=10
check "the prompt comes back after an interrupted command" wait_until cursor_line_is "ebm> "
check "the state is intact after an interrupted command" enter_and_wait "x * 3" "^123$"

# (6b) A compound statement keeps the continuation prompt until a blank line, as in Python.
type_text "for k in [1, 2]:"; press Enter
check "a block header asks for its body with '... '" wait_until cursor_line_is "... "
type_text "    print k * 10"; press Enter
check "the body goes on until a blank line" wait_until cursor_line_is "... "
check "nothing runs before the blank line" screen_lacks "^10$"
press Enter
check "a blank line runs the loop" wait_until screen_has "^20$"
wait_until cursor_line_is "ebm> "

# (6c) A function: its error prints a traceback, and the session keeps its state.
type_text "def twice(v):"; press Enter
type_text "    # doubles v"; press Enter
type_text "    return v + \"a\""; press Enter
press Enter
wait_until cursor_line_is "ebm> "
type_text "twi"; press Tab
check "Tab completes a user function" wait_until cursor_line_is "ebm> twice"
type_text "(1)"; press Enter
check "an error inside a function names its line" wait_until screen_has "^<repl>:[0-9]+:14: error: '\+' does not apply"
check "and prints a traceback" wait_until screen_has "^  in twice, called at <repl>:[0-9]+:1: twice\(1\)$"
check "the state survives an error in a function" enter_and_wait "x * 3" "^123$"
check "help on a user function shows its comment" enter_and_wait "help twice" "^    doubles v$"

# (6d) Ctrl-C stops an endless loop at its next iteration.
type_text "while true:"; press Enter
type_text "    spin = 1"; press Enter
press Enter
sleep 1
press C-c
check "Ctrl-C stops a loop" wait_until screen_has "^(\^C)?<repl>:[0-9]+:[0-9]+: error: interrupted"
check "the prompt comes back after an interrupted loop" wait_until cursor_line_is "ebm> "
check "the state is intact after an interrupted loop" enter_and_wait "spin + x" "^42$"

# Ctrl-C during sampling keeps the chain drawn so far; a finished progress bar leaves nothing.
enter_and_wait "big = rbm(visible: 400, hidden: 400, seed: 1)" "^ebm> big = rbm"
wait_until cursor_line_is "ebm> "
type_text "c = gibbs(big, chains: 500, steps: 10000000, every: 100000)"; press Enter
sleep 1
press C-c
WAIT=15
check "Ctrl-C during gibbs keeps the chain drawn so far" wait_until screen_has "^(\^C)?interrupted after step [0-9]+ of 10000000"
WAIT=10
check "the stopped chain is marked" enter_and_wait "c.stopped" "^true$"
press C-l
enter_and_wait "short = gibbs(big, chains: 2, steps: 10)" "^ebm> short = gibbs"
wait_until cursor_line_is "ebm> "
check "a finished progress bar does not stay on screen" screen_lacks "[0-9]+/10( |$)"

# (6) A call open across lines shows the continuation prompt and then runs.
type_text "sum([1,"; press Enter
check "an open bracket asks for more with '... '" wait_until cursor_line_is "... "
type_text "2, 3])"; press Enter
check "the multi-line call completes" wait_until screen_has "^6$"
wait_until cursor_line_is "ebm> "
enter_and_wait "last_entry = 7" "^ebm> last_entry = 7$"

# (7) Ctrl-D on an empty line leaves.
press C-d
check "Ctrl-D on an empty line exits" wait_until pane_dead

# --- Second run: the history persists --------------------------------------------------------

start
press Up
check "history persists to the next run (Up shows the last entry)" wait_until cursor_line_is "ebm> last_entry = 7"
press Up
check "a multi-line entry comes back as one" wait_until screen_has "^ebm> sum\(\[1,$"
press C-c
wait_until cursor_line_is "ebm> "
press C-d
wait_until pane_dead

echo "repl: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
