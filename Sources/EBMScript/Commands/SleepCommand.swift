import Foundation

extension Command {
    /// `sleep(seconds)`: waits, polling for Ctrl-C every 10 ms. It paces a demonstration, and
    /// it gives the REPL's tests a command that runs long and stops at once when interrupted.
    static let sleep = Command(
        "sleep", category: .session,
        summary: "wait a number of seconds (Ctrl-C stops it)",
        parameters: [Parameter("seconds", .number, "how long to wait, from 0 to 3600")],
        details: "Example:\n  sleep(0.5)"
    ) { args, context in
        let seconds = args.number("seconds")
        guard seconds >= 0, seconds <= 3600 else {
            throw args.error("seconds", "seconds must be from 0 to 3600, got \(context.format.render(args["seconds"]))")
        }
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            try context.checkInterrupt()
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { break }
            usleep(useconds_t(Swift.min(left, 0.01) * 1_000_000))
        }
        return .none
    }
}
