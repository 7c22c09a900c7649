import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Keeps recursion in the interpreter (user functions calling themselves, deeply nested
/// expressions) from overflowing the thread's stack: it finds the stack's lowest address once
/// per run, and a check compares the current frame's address with it. Recursion that comes
/// within `margin` bytes of the end is refused with an error instead of a SIGSEGV.
enum StackGuard {
    /// Bytes kept free below the deepest frame the interpreter allows: room for a command's
    /// own work (BLAS calls, rendering) at the deepest level.
    static let margin: UInt = 1 << 20

    /// The lowest address the interpreter may use on this thread, or nil when unknown.
    static func limit() -> UInt? {
        #if canImport(Glibc)
        // glibc's pthread_getattr_np is not in the Glibc module (it needs _GNU_SOURCE).
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "pthread_getattr_np") else { return nil }
        typealias GetAttributes = @convention(c) (pthread_t, UnsafeMutablePointer<pthread_attr_t>) -> Int32
        let getAttributes = unsafeBitCast(symbol, to: GetAttributes.self)
        var attributes = pthread_attr_t()
        guard getAttributes(pthread_self(), &attributes) == 0 else { return nil }
        defer { pthread_attr_destroy(&attributes) }
        var address: UnsafeMutableRawPointer?
        var size = 0
        guard pthread_attr_getstack(&attributes, &address, &size) == 0, let address else { return nil }
        let low = UInt(bitPattern: address)
        // A small stack (a worker thread's 512 KB) keeps a quarter of itself in reserve.
        return low + Swift.min(margin, UInt(size) / 4)
        #else
        return nil
        #endif
    }

    /// True when the current frame is at or below `limit` (the stack grows down).
    @inline(never)
    static func isNear(_ limit: UInt?) -> Bool {
        guard let limit else { return false }
        var marker = 0
        return withUnsafeMutablePointer(to: &marker) { UInt(bitPattern: $0) } <= limit
    }
}
