import ArgumentParser
import EBMIO
import EBMScript
import Foundation

// OpenBLAS picks its kernels when it loads, before any Swift code runs: if it did not recognise
// this CPU, choose the core type from the CPU's features and start again with it set.
// Notebooks replay with one kernel family on every machine, so their recorded numbers check anywhere.
BLASCoreSelection.reexecIfNeeded(replay: ["run", "check", "update"].contains(CommandLine.arguments.dropFirst().first ?? ""))

// `ebm help [TOPIC]` reads the language's own help as well as the command line's, so it is
// handled before the argument parser (which would treat `help` as its own subcommand).
let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "help" {
    exit(HelpCommand.run(topics: Array(arguments.dropFirst())))
}
EBMCommand.main()
