import Foundation
import Synchronization

/// Ctrl-C as a flag, so that nothing but a store happens inside the signal handler.
///
/// The handler only sets the flag; the line editor sees it when its wait for a key is
/// interrupted (the handler is installed without SA_RESTART), and a running command sees it
/// through `Session.isInterrupted`, which the interpreter polls at safe points. The flag is
/// global because a C signal handler cannot carry any context.
enum Interrupt {
    /// Set by the handler, cleared by the REPL. Lock-free, so it is safe to store to from a
    /// signal handler. Touched once in `install()` before the handler exists, so that the lazy
    /// initialisation of this static never runs inside the handler.
    private static let flag = Atomic<Bool>(false)

    /// True once Ctrl-C has been pressed since the last `reset()`.
    static var isPending: Bool { flag.load(ordering: .relaxed) }

    /// Forgets an earlier Ctrl-C (before each entry, and once the prompt has handled it).
    static func reset() { flag.store(false, ordering: .relaxed) }

    /// Installs the SIGINT handler. No SA_RESTART: a wait for input must return at once.
    static func install() {
        reset()
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in Interrupt.flag.store(true, ordering: .relaxed) }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGINT, &action, nil)
    }
}

/// A change of the terminal's size, as a flag for the same reason as `Interrupt`: readline's own
/// SIGWINCH handler is only in place while it reads a key in callback mode, so the line editor
/// installs this one and tells readline about the new size itself.
enum WindowResize {
    private static let flag = Atomic<Bool>(false)

    /// True (once) when the window changed size since the last call.
    static func take() -> Bool { flag.exchange(false, ordering: .relaxed) }

    static func install() {
        _ = take()
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in WindowResize.flag.store(true, ordering: .relaxed) }
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART   // commands' reads and writes need not see it
        sigaction(SIGWINCH, &action, nil)
    }
}
