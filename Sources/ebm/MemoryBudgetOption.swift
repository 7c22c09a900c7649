import ArgumentParser
import EBM
import Foundation

/// `--memory-budget SIZE`: the most one allocation may ask for. Sessions read the budget from
/// `EBM_MEMORY_BUDGET` when they start; the option sets that variable for this process (before
/// any session exists), so the REPL, scripts and notebook replays all see the same budget.
struct MemoryBudgetOption: ParsableArguments {
    @Option(name: .customLong("memory-budget"),
            help: ArgumentHelp("The most memory one computation may ask for: 4G, 512M, 25% (of physical memory). Default: a quarter of the physical memory, or \(MemoryBudget.environmentVariable).",
                               valueName: "size"))
    var memoryBudget: String?

    /// Checks the option (or the environment variable) and makes it the budget of every session.
    func apply() throws {
        if let text = memoryBudget {
            guard MemoryBudget.parse(text) != nil else {
                throw ValidationError(MemoryBudgetParseError(text: text).description)
            }
            setenv(MemoryBudget.environmentVariable, text, 1)
        }
        do {
            _ = try MemoryBudget.fromEnvironment(ProcessInfo.processInfo.environment)
        } catch {
            throw ValidationError("\(MemoryBudget.environmentVariable): \(error.description)")
        }
    }
}
