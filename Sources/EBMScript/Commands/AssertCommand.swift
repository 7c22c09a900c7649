import EBM

extension Command {
    /// `assert(condition, "claim")`: a notebook's prose claim, checked on every replay.
    static let assert = Command(
        "assert", category: .session,
        summary: "check a claim: prints ✓ and the claim when it holds, stops with an error quoting it when not",
        parameters: [
            Parameter("condition", .any, "true or false (a comparison); a tensor of comparisons holds when every entry is non-zero"),
            Parameter("claim", .string, "the claim in words, as the prose states it"),
        ],
        details: """
        Puts a number behind a sentence: a notebook states a claim, and the assert below it
        checks it whenever the notebook replays, so `ebm check` fails the day the claim stops
        holding. When the condition holds it prints one line, `✓ ` and the claim; when it does
        not, it stops with an error that quotes the claim.
        Comparisons: < <= > >= == !=; combine with and, or, not; abs, min, max help.
        Examples:
          assert(abs(l - exact) < 0.01, "AIS lands within 0.01 nats of the exact log Z")
          assert(p_left > 3 * p_right, "the left mode holds more than three times the probability")
          assert(abs(a - b) < 1e-4, "the two gradients agree entry by entry")   # tensors: every entry
        """
    ) { args, context in
        let claim = args.string("claim")
        guard !claim.trimmingBlanks().isEmpty else {
            throw args.error("claim", "the claim is empty", hint: "say in words what the condition checks, e.g. \"log Z is finite\"")
        }
        let holds: Bool
        switch args["condition"] {
        case .bool(let b):
            holds = b
        case .tensor(let t):
            guard t.count > 0 else {
                throw args.error("condition", "the condition is an empty tensor, which checks nothing")
            }
            // Element-wise comparisons give 1 (true) or 0 (false); NaN is not a truth.
            holds = t.scalars.allSatisfy { $0 != 0 && !$0.isNaN }
        case let other:
            throw args.error("condition", "the condition must be true or false, got \(describe(other))",
                             hint: "compare, e.g. assert(x > 0, \"...\") or assert(abs(a - b) < 0.01, \"...\")")
        }
        guard holds else {
            throw ScriptError(.value, "claim does not hold: \"\(claim)\"", at: args.location(of: "condition"),
                              hint: "the numbers above no longer back the claim: fix the experiment or the claim")
        }
        context.write("✓ \(claim)\n")
        return .none
    }
}
